import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURATION_PATTERN, parseDuration } from './duration.ts';
import { InvalidFieldError } from './field-error.ts';

describe('parseDuration (Flink TimeUtils semantics)', () => {
  const cases: Array<[string, number]> = [
    ['5s', 5_000],
    ['30 min', 1_800_000],
    ['1m', 60_000], // a minute, never a month
    ['500ms', 500],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    ['5000', 5_000], // no unit: milliseconds, like the seed's checkpoint_interval = 5000
    ['  10 SECONDS ', 10_000],
    ['3 minutes', 180_000],
    ['1 sec', 1_000],
    ['2 millis', 2],
    ['0s', 0],
    ['1500µs', 1.5],
    ['250 micros', 0.25],
    ['1000000ns', 1],
  ];
  for (const [text, ms] of cases) {
    it(`${JSON.stringify(text)} is ${ms} ms`, () => assert.equal(parseDuration(text, 'spec.x'), ms));
  }

  const bad: Array<[string, RegExp]> = [
    ['', /must be a duration like 5s/],
    ['1.5s', /must be a duration like 5s/],
    ['-1s', /must be a duration like 5s/],
    ['s', /must be a duration like 5s/],
    ['5 mins', /unknown time unit "mins"/], // Flink has minute(s) and min, not mins
    ['5us', /unknown time unit "us"/],
    ['1 month', /unknown time unit "month"/],
    ['999999999999999d', /too large/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} naming the field`, () => {
      assert.throws(() => parseDuration(text, 'spec.checkpoint.interval'), (error: unknown) => {
        assert.ok(error instanceof InvalidFieldError);
        assert.equal(error.path, 'spec.checkpoint.interval');
        assert.match(error.message, /^spec\.checkpoint\.interval: /);
        assert.match(error.message, message);
        return true;
      });
    });
  }

  it('the schema pattern accepts exactly what the parser accepts', () => {
    const pattern = new RegExp(DURATION_PATTERN, 'u');
    for (const [text] of cases) assert.ok(pattern.test(text), text);
    for (const [text] of bad.filter(([t]) => !t.endsWith('d'))) assert.ok(!pattern.test(text), text);
  });
});
