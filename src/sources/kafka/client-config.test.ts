import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidFieldError } from '../../api/field-error.ts';
import { kafkaClientConfig } from './client-config.ts';
import { resolveSecret } from './secret-ref.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-secrets-'));
writeFileSync(join(dir, 'pw'), 'hunter2-from-file\n');
mkdirSync(join(dir, 'kafka-creds'));
writeFileSync(join(dir, 'kafka-creds', 'password'), 'hunter2-from-secret');
writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n');

test('PLAINTEXT by default: brokers and client id only', () => {
  const c = kafkaClientConfig({ bootstrapServers: ['127.0.0.1:9092', 'kafka-0.kafka:9092'] }, 'sluice-job-0');
  assert.deepEqual(c.bootstrapBrokers, ['127.0.0.1:9092', 'kafka-0.kafka:9092']);
  assert.equal(c.clientId, 'sluice-job-0');
  assert.equal(c.tls, undefined);
  assert.equal(c.sasl, undefined);
});

test('SASL_SSL with SCRAM-SHA-512: password from a mounted Secret, CA from a file', () => {
  const c = kafkaClientConfig(
    {
      bootstrapServers: ['b:9093'],
      security: {
        protocol: 'SASL_SSL',
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'ingest', password: { secretKeyRef: { name: 'kafka-creds', key: 'password' } } },
        tls: { ca: { file: join(dir, 'ca.pem') }, rejectUnauthorized: false },
      },
    },
    'c',
    { secretsDir: dir },
  );
  assert.deepEqual(c.sasl, { mechanism: 'SCRAM-SHA-512', username: 'ingest', password: 'hunter2-from-secret' });
  assert.equal(typeof c.tls, 'object');
  assert.deepEqual(c.tls, { ca: ['-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----'], rejectUnauthorized: false });
});

test('SASL_PLAINTEXT with PLAIN from env and file; SSL without options is tls: {}', () => {
  const env = { KAFKA_USER: 'u1' };
  const c = kafkaClientConfig(
    { bootstrapServers: ['b:9092'], security: { sasl: { mechanism: 'PLAIN', username: { env: 'KAFKA_USER' }, password: { file: join(dir, 'pw') } } } },
    'c',
    { env },
  );
  assert.deepEqual(c.sasl, { mechanism: 'PLAIN', username: 'u1', password: 'hunter2-from-file' });
  assert.equal(c.tls, undefined);
  assert.deepEqual(kafkaClientConfig({ bootstrapServers: ['b:9093'], security: { protocol: 'SSL' } }, 'c').tls, {});
});

test('errors name the field and never the secret', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => kafkaClientConfig({ bootstrapServers: [] }, 'c'), /^spec\.source\.kafka\.bootstrapServers: must list/],
    [() => kafkaClientConfig({ bootstrapServers: ['nohostport'] }, 'c'), /^spec\.source\.kafka\.bootstrapServers\[0\]: "nohostport" is not host:port/],
    [() => kafkaClientConfig({ bootstrapServers: ['b:1'], security: { protocol: 'SASL_SSL' } }, 'c'), /^spec\.source\.kafka\.security\.sasl: is required/],
    [
      () => kafkaClientConfig({ bootstrapServers: ['b:1'], security: { protocol: 'SSL', sasl: { mechanism: 'PLAIN', username: 'u', password: { env: 'X' } } } }, 'c'),
      /^spec\.source\.kafka\.security\.protocol: is SSL, which does not use SASL/,
    ],
    [
      () => kafkaClientConfig({ bootstrapServers: ['b:1'], security: { sasl: { mechanism: 'PLAIN', username: 'u', password: { env: 'NOPE_NOT_SET' } } } }, 'c', { env: {} }),
      /^spec\.source\.kafka\.security\.sasl\.password: environment variable NOPE_NOT_SET is not set$/,
    ],
    [
      () => kafkaClientConfig({ bootstrapServers: ['b:1'], security: { sasl: { mechanism: 'PLAIN', username: 'u', password: { file: join(dir, 'missing') } } } }, 'c'),
      /^spec\.source\.kafka\.security\.sasl\.password: cannot read .*missing: ENOENT$/,
    ],
  ];
  for (const [fn, message] of cases) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof InvalidFieldError);
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /hunter2/);
      return true;
    });
  }
  assert.throws(() => resolveSecret({ secretKeyRef: { name: '../etc', key: 'passwd' } }, 'f', { secretsDir: dir }), /not a valid Secret name/);
  assert.throws(() => resolveSecret({ file: 'a', env: 'b' }, 'f'), { name: 'InvalidFieldError', message: 'f: set exactly one of file, env, secretKeyRef (got 2)' });
});
