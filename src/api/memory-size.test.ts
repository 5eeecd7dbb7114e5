import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidFieldError } from './field-error.ts';
import { MEMORY_SIZE_PATTERN, parseMemorySize } from './memory-size.ts';

describe('parseMemorySize (Flink MemorySize semantics: binary units)', () => {
  const cases: Array<[string | number, number]> = [
    ['2MB', 2 * 1024 * 1024],
    ['128mb', 128 * 1024 * 1024],
    ['512kb', 512 * 1024],
    ['1g', 1024 ** 3],
    ['1 gb', 1024 ** 3],
    ['3 m', 3 * 1024 * 1024],
    ['1t', 1024 ** 4],
    ['100', 100],
    ['7 bytes', 7],
    ['4 mebibytes', 4 * 1024 * 1024],
    [' 64 KB ', 64 * 1024],
    [1048576, 1048576],
    [0, 0],
  ];
  for (const [value, bytes] of cases) {
    it(`${JSON.stringify(value)} is ${bytes} bytes`, () => assert.equal(parseMemorySize(value, 'spec.x'), bytes));
  }

  const bad: Array<[string | number, RegExp]> = [
    ['2 megs', /unknown size unit "megs"/],
    ['1.5mb', /must be a size like 2MB/],
    ['-1', /must be a size like 2MB/],
    ['', /must be a size like 2MB/],
    [1.5, /must be a size like 2MB.*got 1\.5/],
    [-3, /must be a size like 2MB/],
    ['9999999999t', /too large/],
  ];
  for (const [value, message] of bad) {
    it(`rejects ${JSON.stringify(value)} naming the field`, () => {
      assert.throws(() => parseMemorySize(value, 'spec.sink.rollingPolicy.fileSize'), (error: unknown) => {
        assert.ok(error instanceof InvalidFieldError);
        assert.match(error.message, /^spec\.sink\.rollingPolicy\.fileSize: /);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('the schema pattern matches the string forms the parser accepts', () => {
    const pattern = new RegExp(MEMORY_SIZE_PATTERN, 'u');
    for (const [value] of cases) if (typeof value === 'string') assert.ok(pattern.test(value), value);
    assert.ok(!pattern.test('2 megs'));
    assert.ok(!pattern.test('1.5mb'));
  });
});
