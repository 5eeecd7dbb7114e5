import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidFieldError } from '../../api/field-error.ts';
import { parseSpecificOffsets } from './specific-offsets.ts';

test('parses Flink specific-offsets syntax', () => {
  assert.deepEqual([...parseSpecificOffsets('partition:0,offset:42;partition:1,offset:300')], [[0, 42], [1, 300]]);
  assert.deepEqual([...parseSpecificOffsets(' partition : 2 , offset : 0 ; ')], [[2, 0]]);
});

test('rejects bad text naming the field', () => {
  for (const [text, message] of [
    ['', /must list at least one/],
    ['partition:0;offset:1', /"partition:0" is not of the form/],
    ['partition:0,offset:-1', /is not of the form/],
    ['partition:0,offset:1;partition:0,offset:2', /partition 0 is listed twice/],
    ['partition:0,offset:99999999999999999999', /too large/],
  ] as const) {
    assert.throws(() => parseSpecificOffsets(text), (e: unknown) => {
      assert.ok(e instanceof InvalidFieldError);
      assert.match(e.message, /^spec\.source\.kafka\.startupSpecificOffsets: /);
      assert.match(e.message, message);
      return true;
    });
  }
});
