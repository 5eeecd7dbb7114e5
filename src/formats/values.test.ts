import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseColumnType } from './column-types.ts';
import { DecodeError, FormatOptionsError } from './errors.ts';
import {
  bigintFromNumberText, formatJavaDouble, formatJavaFloat, integerFromNumberText, isoTimestamp, parseBigintText,
  parseBooleanText, parseDateText, parseDecimalText, parseDoubleText, parseIntegerText, parseTimestampText,
} from './values.ts';

const type = (t: string) => parseColumnType({ name: 'c', type: t }, 0);
const INT = type('INT');

function rejects(fn: () => unknown, reason: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof DecodeError && reason.test(e.reason));
}

test('column types: aliases, precision, defaults, and errors that name the schema field', () => {
  assert.equal(type('integer').kind, 'INT');
  assert.equal(type('VARCHAR(20)').kind, 'STRING');
  assert.deepEqual([type('DECIMAL').precision, type('DECIMAL').scale], [10, 0]);
  assert.equal(type('decimal( 5 , 2 )').name, 'DECIMAL(5, 2)');
  assert.equal(type('TIMESTAMP(3)').fractionDigits, 3);
  assert.equal(type('TIMESTAMP').fractionDigits, 9);
  assert.throws(() => parseColumnType({ name: 'x', type: 'MAP' }, 2), (e: unknown) => e instanceof FormatOptionsError && e.option === 'schema[2].type' && /'MAP' of field 'x'/.test(e.message));
  assert.throws(() => type('DECIMAL(3, 4)'), FormatOptionsError);
  assert.throws(() => type('DECIMAL(39)'), FormatOptionsError);
  assert.throws(() => type('INT(3)'), FormatOptionsError);
});

test('INT/TINYINT/SMALLINT: Integer.parseInt syntax after trim, ranges checked', () => {
  assert.equal(parseIntegerText('2147483647', INT), 2147483647);
  assert.equal(parseIntegerText('-2147483648', INT), -2147483648);
  assert.equal(parseIntegerText(' +007 ', INT), 7);
  assert.ok(Object.is(parseIntegerText('-0', INT), 0));
  rejects(() => parseIntegerText('2147483648', INT), /'2147483648' is out of range for INT/);
  rejects(() => parseIntegerText('-2147483649', INT), /out of range/);
  rejects(() => parseIntegerText('99999999999999999999', INT), /out of range/);
  rejects(() => parseIntegerText('abc', INT), /^'abc' is not an INT$/);
  rejects(() => parseIntegerText('1.0', INT), /not an INT/);
  rejects(() => parseIntegerText('', INT), /not an INT/);
  rejects(() => parseIntegerText('-', INT), /not an INT/);
  assert.equal(parseIntegerText('127', type('TINYINT')), 127);
  rejects(() => parseIntegerText('128', type('TINYINT')), /out of range for TINYINT/);
  rejects(() => parseIntegerText('-32769', type('SMALLINT')), /out of range for SMALLINT/);
});

test('BIGINT: exact beyond 2^53, range of a Java long', () => {
  const B = type('BIGINT');
  assert.equal(parseBigintText('9007199254740993', B), 9007199254740993n);
  assert.equal(parseBigintText('-9223372036854775808', B), -(2n ** 63n));
  assert.equal(parseBigintText('9223372036854775807', B), 2n ** 63n - 1n);
  rejects(() => parseBigintText('9223372036854775808', B), /out of range for BIGINT/);
  rejects(() => parseBigintText('12a', B), /'12a' is not a BIGINT/);
  assert.equal(bigintFromNumberText('9007199254740993', B), 9007199254740993n);
  assert.equal(bigintFromNumberText('1e3', B), 1000n);
  assert.equal(bigintFromNumberText('42.000', B), 42n);
  rejects(() => bigintFromNumberText('42.5', B), /not an integer/);
  rejects(() => bigintFromNumberText('1e30', B), /out of range for BIGINT/);
});

test('integral JSON numbers for INT: 42.0 and 4.2e1 are 42, 42.5 is refused', () => {
  assert.equal(integerFromNumberText('42.0', INT), 42);
  assert.equal(integerFromNumberText('4.2e1', INT), 42);
  rejects(() => integerFromNumberText('42.5', INT), /'42.5' is not an integer/);
  rejects(() => integerFromNumberText('3e9', INT), /out of range/);
});

test('DOUBLE/FLOAT: decimal, exponent, NaN, Infinity; FLOAT rounded to float32', () => {
  const D = type('DOUBLE');
  assert.equal(parseDoubleText(' 1.5e3 ', D), 1500);
  assert.equal(parseDoubleText('.5', D), 0.5);
  assert.equal(parseDoubleText('-Infinity', D), -Infinity);
  assert.ok(Number.isNaN(parseDoubleText('NaN', D)));
  assert.equal(parseDoubleText('0.1', type('FLOAT')), Math.fround(0.1));
  rejects(() => parseDoubleText('0x10', D), /is not a DOUBLE/);
  rejects(() => parseDoubleText('1,5', D), /is not a DOUBLE/);
});

test('DECIMAL(p, s): canonical text, HALF_UP rounding like Flink, overflow is an error', () => {
  const D52 = type('DECIMAL(5, 2)');
  assert.equal(parseDecimalText('1.5', D52), '1.50');
  assert.equal(parseDecimalText('001.005', D52), '1.01');
  assert.equal(parseDecimalText('-1.005', D52), '-1.01');
  assert.equal(parseDecimalText('-0.001', D52), '0.00');
  assert.equal(parseDecimalText('.5', D52), '0.50');
  assert.equal(parseDecimalText('1.2345e2', D52), '123.45');
  assert.equal(parseDecimalText('999.994', D52), '999.99');
  rejects(() => parseDecimalText('999.995', D52), /'999.995' is out of range for DECIMAL\(5, 2\)/);
  rejects(() => parseDecimalText('1000', D52), /out of range/);
  rejects(() => parseDecimalText('1e999999999', D52), /out of range/);
  assert.equal(parseDecimalText('1e-999999999', D52), '0.00');
  rejects(() => parseDecimalText('1.2.3', D52), /is not a DECIMAL\(5, 2\)/);
  rejects(() => parseDecimalText('.', D52), /is not a DECIMAL/);
  const D38 = type('DECIMAL(38, 0)');
  assert.equal(parseDecimalText('12345678901234567890123456789012345678', D38), '12345678901234567890123456789012345678');
  assert.equal(parseDecimalText('0.5', type('DECIMAL(1, 0)')), '1');
  assert.equal(parseDecimalText('0.05', type('DECIMAL(2, 2)')), '0.05');
});

test('BOOLEAN: true/false in any case, anything else refused (Flink would say false)', () => {
  const B = type('BOOLEAN');
  assert.equal(parseBooleanText('TRUE', B), true);
  assert.equal(parseBooleanText(' False ', B), false);
  rejects(() => parseBooleanText('yes', B), /'yes' is not a BOOLEAN \(expected true or false\)/);
  rejects(() => parseBooleanText('1', B), /not a BOOLEAN/);
});

test('DATE: yyyy-MM-dd of a real day', () => {
  const D = type('DATE');
  assert.equal(parseDateText('2024-02-29', D), '2024-02-29');
  assert.equal(parseDateText('2000-02-29', D), '2000-02-29');
  rejects(() => parseDateText('2021-02-29', D), /'2021-02-29' is not a DATE \(expected yyyy-MM-dd\)/);
  rejects(() => parseDateText('1900-02-29', D), /not a DATE/);
  rejects(() => parseDateText('2021-02-30', D), /not a DATE/);
  rejects(() => parseDateText('2021-13-01', D), /not a DATE/);
  rejects(() => parseDateText('2021-04-31', D), /not a DATE/);
  rejects(() => parseDateText('2021-4-01', D), /not a DATE/);
});

test('TIMESTAMP: separators per style, optional seconds and fraction, canonical output', () => {
  const T = type('TIMESTAMP');
  assert.equal(parseTimestampText('2020-12-30 12:13:14.123', T, 'SQL'), '2020-12-30 12:13:14.123');
  assert.equal(parseTimestampText('2020-12-30T12:13:14.120', T, 'ISO-8601'), '2020-12-30 12:13:14.12');
  assert.equal(parseTimestampText('2020-12-30T12:13', T, 'ANY'), '2020-12-30 12:13:00');
  assert.equal(parseTimestampText('2020-12-30 12:13:14.000000000', T, 'ANY'), '2020-12-30 12:13:14');
  assert.equal(parseTimestampText('2020-12-30 12:13:14.123456789', T, 'ANY'), '2020-12-30 12:13:14.123456789');
  assert.equal(parseTimestampText('2020-12-30 12:13:14.123456789', type('TIMESTAMP(3)'), 'ANY'), '2020-12-30 12:13:14.123');
  assert.equal(parseTimestampText('2020-12-30 12:13:14.9', type('TIMESTAMP(0)'), 'ANY'), '2020-12-30 12:13:14');
  rejects(() => parseTimestampText('2020-12-30T12:13:14', T, 'SQL'), /is not a TIMESTAMP \(expected yyyy-MM-dd HH:mm:ss/);
  rejects(() => parseTimestampText('2020-12-30 12:13:14', T, 'ISO-8601'), /expected yyyy-MM-dd'T'HH:mm:ss/);
  for (const bad of ['2021-02-30 00:00:00', '2020-12-30 24:00:00', '2020-12-30 12:60:00', '2020-12-30 12:13:60', '2020-12-30 12:13:14.', '2020-12-30 12:13:14.1234567890', '2020-12-30', '2020-12-30 12:13:1']) {
    rejects(() => parseTimestampText(bad, T, 'ANY'), /not a TIMESTAMP/);
  }
  assert.equal(isoTimestamp('2020-12-30 12:13:14.5'), '2020-12-30T12:13:14.5');
});

test("DOUBLE/FLOAT printed like Java's toString", () => {
  const cases: Array<[number, string]> = [
    [1, '1.0'], [-0, '-0.0'], [0, '0.0'], [123.456, '123.456'], [0.001, '0.001'], [0.0001, '1.0E-4'],
    [1e7, '1.0E7'], [9999999, '9999999.0'], [1.5e300, '1.5E300'], [-2.5e-10, '-2.5E-10'], [12345678.9, '1.23456789E7'],
    [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'], [Number.MAX_VALUE, '1.7976931348623157E308'], [5e-324, '4.9E-324'], [0.5, '0.5'], [2e-3, '0.002'], [1e23, '1.0E23'], [2e10, '2.0E10'],
  ];
  for (const [v, s] of cases) assert.equal(formatJavaDouble(v), s, `Double.toString(${v})`);
  assert.equal(formatJavaFloat(Math.fround(0.1)), '0.1');
  assert.equal(formatJavaFloat(Math.fround(3.4028235e38)), '3.4028235E38');
  assert.equal(formatJavaFloat(Math.fround(1.1)), '1.1');
  assert.equal(formatJavaFloat(Math.fround(16777217)), '1.6777216E7');
});
