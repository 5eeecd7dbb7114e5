import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerMemoryLimit, DEFAULT_MEMORY_BUDGET, sinkMemoryBudget } from './memory-budget.ts';

const files = (m: Record<string, string>) => (f: string): string => {
  const v = m[f];
  if (v === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return v;
};

test('the container limit comes from cgroup v2, then v1; "max" and v1 unlimited mean none', () => {
  assert.equal(containerMemoryLimit(files({ '/sys/fs/cgroup/memory.max': '536870912\n' })), 512 << 20);
  assert.equal(containerMemoryLimit(files({ '/sys/fs/cgroup/memory.max': 'max\n' })), null);
  assert.equal(containerMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '268435456' })), 256 << 20);
  assert.equal(containerMemoryLimit(files({ '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712' })), null);
  assert.equal(containerMemoryLimit(files({})), null);
});

test('the budget: as configured, else 64 MiB or a quarter of a smaller container, never under 4 MiB', () => {
  assert.equal(sinkMemoryBudget(10 << 20, 64 << 20), 10 << 20);
  assert.equal(sinkMemoryBudget(null, null), DEFAULT_MEMORY_BUDGET);
  assert.equal(sinkMemoryBudget(null, 8 * 2 ** 30), DEFAULT_MEMORY_BUDGET);
  assert.equal(sinkMemoryBudget(null, 128 << 20), 32 << 20);
  assert.equal(sinkMemoryBudget(null, 8 << 20), 4 << 20);
});
