/**
 * Who drives spec.parallelism, from metadata.managedFields. An HPA, a KEDA ScaledObject (through
 * its HPA) and `kubectl scale` write it through the scale subresource, so their entry carries
 * `subresource: scale` and owns `f:spec.f:parallelism`; update operations move ownership of a
 * field to the last writer, so at most one such entry owns it. The autoscaler stands down while a
 * manager other than itself owns it that way (docs/kubernetes.md "Scaling").
 *
 * The informer cache keeps only these entries, reduced (`slimManagedFields`): managedFields are
 * most of an object's size and nothing else in the operator reads them.
 */
export const AUTOSCALER_FIELD_MANAGER = 'sluice-autoscaler';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
  time?: string | Date;
  fieldsV1?: { 'f:spec'?: Record<string, unknown> } & Record<string, unknown>;
}

function ownsParallelism(e: ManagedFieldsEntry): boolean {
  const spec = e.fieldsV1?.['f:spec'];
  return spec !== undefined && spec !== null && typeof spec === 'object' && 'f:parallelism' in spec;
}

/** Only the entries that own spec.parallelism, with nothing but what `foreignScaler` reads. */
export function slimManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): ManagedFieldsEntry[] | undefined {
  const kept = (entries ?? []).filter(ownsParallelism).map((e) => ({
    manager: e.manager, operation: e.operation, subresource: e.subresource, fieldsV1: { 'f:spec': { 'f:parallelism': {} } },
  }));
  return kept.length > 0 ? kept : undefined;
}

/** The manager that scales the job through the scale subresource, if it is not the autoscaler. */
export function foreignScaler(entries: readonly ManagedFieldsEntry[] | undefined): string | undefined {
  const e = (entries ?? []).find((x) => ownsParallelism(x) && x.subresource === 'scale' && x.manager !== AUTOSCALER_FIELD_MANAGER);
  return e ? (e.manager ?? 'an unnamed manager') : undefined;
}
