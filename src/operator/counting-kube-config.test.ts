import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resourceOf } from './counting-kube-config.ts';

test('resourceOf names the resource of an API path', () => {
  assert.equal(resourceOf('https://h:1/api/v1/namespaces/ns/pods/x'), 'pods');
  assert.equal(resourceOf('https://h:1/api/v1/namespaces/ns/pods?labelSelector=a&watch=true'), 'pods');
  assert.equal(resourceOf('https://h:1/apis/sluice.dev/v1alpha1/namespaces/ns/ingestjobs/j/status?fieldManager=x'), 'ingestjobs/status');
  assert.equal(resourceOf('https://h:1/apis/sluice.dev/v1alpha1/ingestjobs'), 'ingestjobs');
  assert.equal(resourceOf('https://h:1/apis/coordination.k8s.io/v1/namespaces/ns/leases/sluice-operator'), 'leases');
});
