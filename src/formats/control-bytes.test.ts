import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasControlBytes } from './control-bytes.ts';

test('hasControlBytes finds every control byte but a line feed, at any offset and alignment', () => {
  const base = Buffer.from('{"a": "xyz\u00e9\u4e2d"}\n'.repeat(20));
  assert.equal(hasControlBytes(base, 0, base.length), false);
  for (const ctl of [0, 1, 9, 13, 27, 31]) {
    for (let at = 0; at < 37; at++) {
      const b = Buffer.from(base);
      b[at] = ctl;
      for (const shift of [0, 1, 2, 3]) {
        // a view at each alignment of the same bytes
        const mem = Buffer.alloc(b.length + 4);
        b.copy(mem, shift);
        const view = mem.subarray(shift, shift + b.length);
        assert.equal(hasControlBytes(view, 0, view.length), true, `byte ${ctl} at ${at}, shift ${shift}`);
        assert.equal(hasControlBytes(view, at + 1, view.length), false, `range after byte ${ctl} at ${at}`);
        assert.equal(hasControlBytes(view, at, at + 1), true);
      }
    }
  }
  // 0x20 and above (space, DEL, bytes of multi-byte UTF-8) are not control bytes
  const high = Buffer.from([0x20, 0x7f, 0x80, 0xff, 0xc3, 0xa9, 0x20, 0x21, 0x0a, 0x0a, 0x0a, 0x0a]);
  assert.equal(hasControlBytes(high, 0, high.length), false);
  assert.equal(hasControlBytes(Buffer.alloc(0), 0, 0), false);
});
