/**
 * Writes `pod-template-schema.ts`: the schema of `spec.runner.podTemplate`, Kubernetes' own
 * `io.k8s.api.core.v1.PodTemplateSpec` as the apiserver publishes it (`/openapi/v3/api/v1`), made
 * structural for a CRD the way controller-gen does for an embedded PodTemplateSpec:
 *   - `$ref` / `allOf: [{$ref}]` inlined (PodSpec has no recursive type);
 *   - `Quantity` and `IntOrString` become `anyOf: [integer, string]` + `x-kubernetes-int-or-string`;
 *   - descriptions, defaults, patch strategies, unions and list/map types dropped: descriptions
 *     alone would triple the CRD (`kubectl explain` of a Pod answers those), defaults would be
 *     written into the stored IngestJob, and list-map keys must be required in a CRD;
 *   - `metadata` is only `labels` and `annotations` (the only template metadata the operator
 *     merges: anything else would be ignored silently);
 *   - `spec.containers` is not required (a template may set only `nodeSelector`) and
 *     `ephemeralContainers` is dropped (a Pod cannot be created with them).
 * Run `npx node src/api/generate-pod-template-schema.ts` with KUBECONFIG pointing at an apiserver of
 * the release the test stack pins (`npm run stack -- up kube`); `--from FILE` reads a saved
 * OpenAPI v3 document instead.
 */
import { readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';

type Node = Record<string, unknown>;

const DROP = new Set([
  'description', 'default', 'x-kubernetes-patch-strategy', 'x-kubernetes-patch-merge-key', 'x-kubernetes-unions',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type', 'x-kubernetes-group-version-kind',
]);
const INT_OR_STRING = { anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true };
const PREFIX = '#/components/schemas/';

/** The structural PodTemplateSpec schema from an OpenAPI v3 document of the core/v1 group. */
export function podTemplateSpecFromOpenApi(openapi: { components: { schemas: Record<string, Node> } }): Node {
  const defs = openapi.components.schemas;
  const resolve = (node: Node, stack: string[]): Node => {
    let n = node;
    const allOf = n.allOf as Node[] | undefined;
    if (allOf?.length === 1 && typeof allOf[0]!.$ref === 'string') {
      const { allOf: _a, ...rest } = n;
      n = { ...rest, $ref: allOf[0]!.$ref };
    }
    if (typeof n.$ref === 'string') {
      const name = n.$ref.slice(PREFIX.length);
      if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity' || name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') return { ...INT_OR_STRING };
      if (stack.includes(name)) throw new Error(`recursive schema ${[...stack, name].join(' → ')}`);
      const target = defs[name];
      if (!target) throw new Error(`unknown $ref ${n.$ref}`);
      return resolve(target, [...stack, name]);
    }
    const out: Node = {};
    for (const [k, v] of Object.entries(n)) {
      if (DROP.has(k)) continue;
      if (k === 'format' && v !== 'int32' && v !== 'int64' && v !== 'date-time') continue;
      if (k === 'properties') {
        out.properties = Object.fromEntries(Object.entries(v as Record<string, Node>).map(([p, s]) => [p, resolve(s, stack)]));
      } else if (k === 'items' || k === 'additionalProperties') {
        out[k] = typeof v === 'object' ? resolve(v as Node, stack) : v;
      } else {
        out[k] = v;
      }
    }
    return out;
  };
  const template = resolve(defs['io.k8s.api.core.v1.PodTemplateSpec']!, ['io.k8s.api.core.v1.PodTemplateSpec']);
  const spec = (template.properties as Record<string, Node> | undefined)?.spec;
  if (!spec) throw new Error('PodTemplateSpec has no spec');
  const specProps = { ...(spec.properties as Record<string, Node>) };
  delete specProps.ephemeralContainers;
  const { required: _required, ...specRest } = spec;
  const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
  return {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { labels: stringMap, annotations: stringMap } },
      spec: { ...specRest, properties: specProps },
    },
  };
}

async function fetchOpenApi(): Promise<string> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = `${kc.getCurrentCluster()!.server}/openapi/v3/api/v1`;
  return new Promise((resolve, reject) => {
    https.get(url, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

export const POD_TEMPLATE_SCHEMA_FILE = fileURLToPath(new URL('./pod-template-schema.ts', import.meta.url));

async function main(): Promise<void> {
  const from = process.argv.indexOf('--from');
  const text = from > 0 ? await readFile(process.argv[from + 1]!, 'utf8') : await fetchOpenApi();
  const doc = JSON.parse(text) as { info?: { version?: string }; components: { schemas: Record<string, Node> } };
  const schema = podTemplateSpecFromOpenApi(doc);
  const out = `// Generated by \`npx node src/api/generate-pod-template-schema.ts\` from kube-apiserver ${doc.info?.version ?? ''}'s\n`
    + '// /openapi/v3/api/v1 (io.k8s.api.core.v1.PodTemplateSpec, made structural). Do not edit.\n'
    + "import type { JSONSchemaProps } from './schema-types.ts';\n\n"
    + `export const podTemplateSpecSchema: JSONSchemaProps = ${JSON.stringify(schema, null, 1)};\n`;
  await writeFile(POD_TEMPLATE_SCHEMA_FILE, out);
  console.log(`wrote ${POD_TEMPLATE_SCHEMA_FILE} (${out.length} bytes)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
