/**
 * OS errors a user meets, through `sluice run` on real file systems: one line naming the path
 * and the cause, exit 1, nothing visible; the stack only with SLUICE_DEBUG=1 or --debug.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runSluice } from '../helpers/sluice-process.ts';
import { mountTmpfs } from '../helpers/tmpfs.ts';
import { visibleFiles } from '../helpers/visible-files.ts';

async function job(sink: string, records: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sluice-os-'));
  const lines = Array.from({ length: records }, (_, i) => JSON.stringify({ uid: i, name: `n${i % 3}`, pad: 'p'.repeat(100) }));
  await writeFile(path.join(dir, 'in.jsonl'), lines.join('\n') + '\n');
  const file = path.join(dir, 'job.yaml');
  await writeFile(file, `apiVersion: sluice.dev/v1alpha1
kind: IngestJob
metadata: {name: os}
spec:
  source:
    files: {path: in.jsonl}
    format: {type: json}
    schema: [{name: uid, type: INT}, {name: name, type: STRING}, {name: pad, type: STRING}]
  sink: {path: ${JSON.stringify(sink)}, format: {type: csv}, partitionBy: [name]}
`);
  return file;
}

/** One line on stderr, no stack frame. */
function assertOneLine(stderr: string): void {
  assert.equal(stderr.trimEnd().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

test('a read-only sink: one line naming the directory and "read-only file system"; --debug adds the stack', async () => {
  const fsys = await mountTmpfs(1 << 20);
  try {
    await fsys.readOnly();
    const file = await job(path.join(fsys.dir, 'out'), 10);
    const r = await runSluice(['run', file, '--json']);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr);
    assert.match(r.stderr, new RegExp(`^sluice: job os failed: cannot create directory ${fsys.dir}/out: read-only file system \\(EROFS\\)\\n$`));

    for (const [args, env] of [[['run', file, '--json', '--debug'], {}], [['run', file, '--json'], { SLUICE_DEBUG: '1' }]] as const) {
      const d = await runSluice([...args], env);
      assert.equal(d.code, 1);
      assert.match(d.stderr, /read-only file system \(EROFS\)\n/);
      assert.match(d.stderr, /\n\s+at .*local-storage\.ts/);
      assert.match(d.stderr, /caused by: Error: EROFS: read-only file system, mkdir/);
    }
  } finally {
    await fsys.unmount();
  }
});

test('a full disk: one line naming the file being written and "no space left on device"', async () => {
  const fsys = await mountTmpfs(256 << 10);
  try {
    const file = await job(path.join(fsys.dir, 'out'), 20_000); // ~2.4 MB of CSV
    const r = await runSluice(['run', file, '--json']);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr);
    assert.match(r.stderr, new RegExp(`^sluice: job os failed: cannot (write|flush to disk|open) ${fsys.dir}/out/\\S+: no space left on device \\(ENOSPC\\)\\n$`));
    assert.deepEqual(await visibleFiles(path.join(fsys.dir, 'out')).catch(() => []), []);
  } finally {
    await fsys.unmount();
  }
});

test('a job file that cannot be read: the path and the cause', async () => {
  const missing = path.join(tmpdir(), 'sluice-no-such-dir', 'job.yaml');
  const r = await runSluice(['run', missing]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `cannot open ${missing}: no such file or directory (ENOENT)\n`);
});
