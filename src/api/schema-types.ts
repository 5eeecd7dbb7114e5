/**
 * The subset of OpenAPI v3 that a Kubernetes structural schema (apiextensions.k8s.io/v1
 * `JSONSchemaProps`) allows, typed so `schema.ts` cannot hold a key the apiserver would drop.
 */
export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** One CEL rule (`x-kubernetes-validations` entry). `self` is the value of the node it sits on. */
export interface ValidationRule {
  rule: string;
  /** What the user reads; the rule is not shown. */
  message: string;
  /**
   * CEL giving the message as a string from `self` (the apiserver's messageExpression); `message`
   * stands in if it fails to evaluate.
   */
  messageExpression?: string;
  /** Relative JSON path (`.kafka.startupTimestampMillis`) of the field the error names. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface JSONSchemaProps {
  type?: SchemaType;
  description?: string;
  format?: 'int32' | 'int64' | 'date-time' | 'byte';
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps;
  required?: string[];
  items?: JSONSchemaProps;
  enum?: Array<string | number | boolean>;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  /** Filled in by the apiserver when the field is absent (structural schema defaulting). */
  default?: string | number | boolean;
  /** Only for `x-kubernetes-int-or-string`: `[{type: integer}, {type: string}]`. */
  anyOf?: JSONSchemaProps[];
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}
