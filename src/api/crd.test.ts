import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { evaluateRule } from './cel.ts';
import { buildIngestJobCrd, renderIngestJobCrd } from './crd.ts';
import { ingestJobSchema, specSchema } from './schema.ts';
import type { JSONSchemaProps } from './schema-types.ts';

const CRD_PATH = new URL('../../crds/ingestjob.yaml', import.meta.url);

/** Every schema node with its path, depth first. */
function* nodes(schema: JSONSchemaProps, path = ''): Generator<[string, JSONSchemaProps]> {
  yield [path, schema];
  for (const [key, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${path}.${key}`);
  if (schema.items !== undefined) yield* nodes(schema.items, `${path}[]`);
  if (schema.additionalProperties !== undefined) yield* nodes(schema.additionalProperties, `${path}[*]`);
}

/** Kubernetes' own schema, generated (pod-template-schema.ts): `kubectl explain pod.spec` documents it. */
const POD_TEMPLATE = 'spec.runner.podTemplate';

/** The nodes Sluice wrote itself: everything but the generated pod template's inside. */
function* ownNodes(schema: JSONSchemaProps, path: string): Generator<[string, JSONSchemaProps]> {
  for (const entry of nodes(schema, path)) if (!entry[0].startsWith(`${POD_TEMPLATE}.`) && !entry[0].startsWith(`${POD_TEMPLATE}[`)) yield entry;
}

describe('crds/ingestjob.yaml', () => {
  it('is up to date with src/api/schema.ts', () => {
    const onDisk = readFileSync(CRD_PATH, 'utf8');
    assert.ok(
      onDisk === renderIngestJobCrd(),
      'crds/ingestjob.yaml is stale: regenerate it with `npx node src/api/generate-crd.ts` and commit the result',
    );
  });

  it('round-trips through YAML to the generated object', () => {
    assert.deepEqual(parse(readFileSync(CRD_PATH, 'utf8')), JSON.parse(JSON.stringify(buildIngestJobCrd())));
  });

  it('declares names, scope, version, status subresource and printer columns', () => {
    const crd = parse(readFileSync(CRD_PATH, 'utf8')) as {
      metadata: { name: string };
      spec: {
        group: string; scope: string;
        names: Record<string, unknown>;
        versions: Array<{ name: string; served: boolean; storage: boolean; subresources: unknown; additionalPrinterColumns: Array<{ name: string; type: string; jsonPath: string }> }>;
      };
    };
    assert.equal(crd.metadata.name, 'ingestjobs.sluice.dev');
    assert.equal(crd.spec.group, 'sluice.dev');
    assert.equal(crd.spec.scope, 'Namespaced');
    assert.deepEqual(crd.spec.names, {
      kind: 'IngestJob', listKind: 'IngestJobList', plural: 'ingestjobs', singular: 'ingestjob', shortNames: ['ij'], categories: ['sluice'],
    });
    const [version] = crd.spec.versions;
    assert.equal(crd.spec.versions.length, 1);
    assert.equal(version!.name, 'v1alpha1');
    assert.equal(version!.served, true);
    assert.equal(version!.storage, true);
    assert.deepEqual(version!.subresources, {
      status: {},
      scale: { specReplicasPath: '.spec.parallelism', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
    });
    assert.deepEqual(
      version!.additionalPrinterColumns.map((c) => [c.name, c.type, c.jsonPath]),
      [
        ['Phase', 'string', '.status.phase'],
        ['Records', 'integer', '.status.committed.records'],
        ['Checkpoint', 'date', '.status.checkpoint.completedAt'],
        ['Lag', 'integer', '.status.source.lag'],
        ['Age', 'date', '.metadata.creationTimestamp'],
        ['Message', 'string', '.status.conditions[?(@.type=="Ready")].message'],
      ],
    );
  });
});

describe('schema.ts', () => {
  const all = [...nodes(ingestJobSchema)];

  it('keys conditions by type and runners by index', () => {
    const status = ingestJobSchema.properties!.status!.properties!;
    assert.equal(status.conditions!['x-kubernetes-list-type'], 'map');
    assert.deepEqual(status.conditions!['x-kubernetes-list-map-keys'], ['type']);
    assert.equal(status.runners!['x-kubernetes-list-type'], 'map');
    assert.deepEqual(status.runners!['x-kubernetes-list-map-keys'], ['index']);
  });

  it('every CEL rule parses, has a message, and its fieldPath names a field of the schema', () => {
    let rules = 0;
    for (const [path, node] of all) {
      for (const r of node['x-kubernetes-validations'] ?? []) {
        rules++;
        assert.ok(r.message.length > 0, `${path}: rule without message`);
        // Evaluating against an empty object proves the rule parses; the result does not matter here.
        try {
          evaluateRule(r.rule, {});
        } catch (error) {
          assert.doesNotMatch(String(error), /ParseError|Expected|Unexpected/, `${path}: ${r.rule}`);
        }
        if (r.fieldPath === undefined) continue;
        let target: JSONSchemaProps | undefined = node;
        for (const key of r.fieldPath.split('.').slice(1)) target = target?.properties?.[key];
        assert.ok(target !== undefined, `${path}: fieldPath ${r.fieldPath} is not in the schema`);
      }
    }
    assert.ok(rules >= 30, `expected the cross-field rules, found ${rules}`);
  });

  it('spec.runner.podTemplate is Kubernetes\' PodTemplateSpec, structural and without CEL rules', () => {
    const template = [...nodes(specSchema, 'spec')].filter(([path]) => path.startsWith(POD_TEMPLATE));
    assert.ok(template.some(([path]) => path === `${POD_TEMPLATE}.spec.nodeSelector`), 'nodeSelector is declared');
    assert.ok(template.some(([path]) => path === `${POD_TEMPLATE}.spec.containers[].resources.limits[*]`), 'container resources are declared');
    for (const [path, node] of template) {
      // Bounds exist for the CEL cost estimate only: a subtree without rules needs none.
      assert.equal(node['x-kubernetes-validations'], undefined, `${path}: a CEL rule inside the pod template`);
      assert.equal(node['x-kubernetes-preserve-unknown-fields'], undefined, `${path}: unknown fields would be accepted`);
    }
  });

  it('every list, map and string in spec and status is bounded (keeps CEL cost estimates low)', () => {
    for (const [path, node] of [...ownNodes(specSchema, 'spec'), ...nodes(ingestJobSchema.properties!.status!, 'status')]) {
      if (node.type === 'array') assert.ok(node.maxItems !== undefined, `${path}: array without maxItems`);
      if (node.type === 'string' && node.enum === undefined && node.format === undefined) {
        assert.ok(node.maxLength !== undefined, `${path}: string without maxLength`);
      }
      if (node.type === 'object' && node.additionalProperties !== undefined) assert.ok(node.maxProperties !== undefined, `${path}: map without maxProperties`);
    }
  });

  it('every pattern is a valid JavaScript regular expression', () => {
    for (const [path, node] of all) if (node.pattern !== undefined) assert.doesNotThrow(() => new RegExp(node.pattern!, 'u'), path);
  });

  it('every spec field is described with its Flink option (or as Sluice-only)', () => {
    for (const [path, node] of ownNodes(specSchema, 'spec')) {
      assert.ok((node.description ?? '').length > 0 || path.endsWith('[]') || path.endsWith('[*]') || /\.(name|key|file|env|value)$/.test(path) || node.properties !== undefined, `${path}: no description`);
    }
    const fileSize = specSchema.properties!.sink!.properties!.rollingPolicy!.properties!.fileSize!;
    assert.equal(fileSize.description, 'Roll before writing once the file is larger than this. Flink: sink.rolling-policy.file-size. Default: "128MB".');
  });
});

describe('the scale subresource', () => {
  it('points at schema fields of the right types (kubectl scale, HPA, KEDA)', () => {
    const { specReplicasPath, statusReplicasPath, labelSelectorPath } = (buildIngestJobCrd() as {
      spec: { versions: Array<{ subresources: { scale: Record<string, string> } }> };
    }).spec.versions[0]!.subresources.scale as Record<string, string>;
    const at = (p: string): JSONSchemaProps | undefined =>
      p.split('.').slice(1).reduce<JSONSchemaProps | undefined>((node, key) => node?.properties?.[key], ingestJobSchema);
    assert.equal(at(specReplicasPath!)?.type, 'integer');
    // The apiserver fills it in, so GET /scale of a job that never set it reads 1, not 0 (an HPA
    // treats 0 replicas as "autoscaling disabled").
    assert.equal(at(specReplicasPath!)?.default, 1);
    assert.equal(at(statusReplicasPath!)?.type, 'integer');
    assert.equal(at(labelSelectorPath!)?.type, 'string');
  });

  it('spec.autoscaler refuses minParallelism above maxParallelism, naming the field', () => {
    const rules = specSchema.properties!.autoscaler!['x-kubernetes-validations']!;
    assert.equal(rules.length, 1);
    assert.equal(evaluateRule(rules[0]!.rule, { minParallelism: 4, maxParallelism: 2 }), false);
    assert.equal(evaluateRule(rules[0]!.rule, { minParallelism: 2, maxParallelism: 2 }), true);
    assert.equal(evaluateRule(rules[0]!.rule, { minParallelism: 9 }), true);
    assert.equal(rules[0]!.fieldPath, '.minParallelism');
  });
});
