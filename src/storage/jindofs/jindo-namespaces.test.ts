import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveJindoPath } from './jindo-namespaces.ts';
import type { JindoNamespace } from '../../api/types.ts';

const namespaces: Record<string, JindoNamespace> = {
  test: { mode: 'cache', ossUri: 'oss://bucket/prefix/', endpoint: 'oss-cn-hangzhou.aliyuncs.com' },
  blocks: { mode: 'block', fuseMountPath: '/mnt/jfs/blocks' },
};

describe('resolveJindoPath', () => {
  it('maps cache mode under the OSS bucket/prefix and block mode under the fuse mount', () => {
    assert.equal(resolveJindoPath('jfs://test/a/b', namespaces).backendPath, 'oss://bucket/prefix/a/b');
    assert.equal(resolveJindoPath('jfs://test/', namespaces).backendPath, 'oss://bucket/prefix');
    const b = resolveJindoPath('jfs://blocks/x/y', namespaces);
    assert.deepEqual([b.mode, b.relative, b.backendPath], ['block', 'x/y', '/mnt/jfs/blocks/x/y']);
  });

  it('names an unknown namespace and lists the known ones', () => {
    assert.throws(() => resolveJindoPath('jfs://prod/a', namespaces), /unknown JindoFS namespace "prod"; spec\.storage\.jindofs\.namespaces defines blocks, test/);
    assert.throws(() => resolveJindoPath('hdfs://x/a', namespaces), /not a jfs:\/\/ URI/);
    assert.throws(() => resolveJindoPath('jfs://t/a', { t: { mode: 'cache' } }), /spec\.storage\.jindofs\.namespaces\.t\.ossUri is required/);
    assert.throws(() => resolveJindoPath('jfs://t/a', { t: { mode: 'block' } }), /namespaces\.t\.fuseMountPath is required/);
  });
});
