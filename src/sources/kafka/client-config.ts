import type { ConnectionOptions } from 'node:tls';
import type { KafkaSource } from '../../api/types.ts';
import { InvalidFieldError } from '../../api/field-error.ts';
import { resolveSecret } from './secret-ref.ts';
import type { SecretResolveOptions } from './secret-ref.ts';

const FIELD = 'spec.source.kafka';

/**
 * What every @platformatic/kafka client of Sluice (the reader's admin and fetch connections, the
 * dead-letter producer, `sluice produce`) is built from: a subset of its `BaseOptions`, so it
 * can be spread into `new Admin(...)`/`new Producer(...)` and into a `ConnectionPool`.
 */
export interface KafkaClientOptions {
  clientId: string;
  bootstrapBrokers: string[];
  /** TLS options (SSL, SASL_SSL); absent for PLAINTEXT. */
  tls?: ConnectionOptions;
  sasl?: { mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
  /** Connection attempt timeout, ms. */
  connectTimeout?: number;
  /** Per-request timeout, ms. */
  timeout?: number;
  /** Attempts after the first for a failed operation. */
  retries?: number;
  /** ms between attempts. */
  retryDelay?: number;
}

/**
 * Maps the IngestJob's Kafka connection fields to @platformatic/kafka client options, Flink/Kafka style:
 * `security.protocol` PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL (default PLAINTEXT, or
 * SASL_PLAINTEXT when only `sasl` is given), SASL mechanisms PLAIN and SCRAM-SHA-256/512.
 * Secrets are read here, once, from files/env/mounted Secrets; the returned object holds them,
 * so it must never be logged.
 */
export function kafkaClientConfig(
  source: Pick<KafkaSource, 'bootstrapServers' | 'security'>,
  clientId: string,
  options: SecretResolveOptions = {},
): KafkaClientOptions {
  if (!Array.isArray(source.bootstrapServers) || source.bootstrapServers.length === 0) {
    throw new InvalidFieldError(`${FIELD}.bootstrapServers`, 'must list at least one host:port');
  }
  for (const [i, b] of source.bootstrapServers.entries()) {
    if (!/^[^\s:]+:\d{1,5}$/u.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/u.test(b)) {
      throw new InvalidFieldError(`${FIELD}.bootstrapServers[${i}]`, `${JSON.stringify(b)} is not host:port`);
    }
  }
  const security = source.security ?? {};
  const protocol = security.protocol ?? (security.sasl !== undefined ? 'SASL_PLAINTEXT' : 'PLAINTEXT');
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (usesSasl && security.sasl === undefined) {
    throw new InvalidFieldError(`${FIELD}.security.sasl`, `is required when security.protocol is ${protocol}`);
  }
  if (!usesSasl && security.sasl !== undefined) {
    throw new InvalidFieldError(`${FIELD}.security.protocol`, `is ${protocol}, which does not use SASL; set SASL_PLAINTEXT or SASL_SSL, or remove security.sasl`);
  }
  if (!usesTls && security.tls !== undefined) {
    throw new InvalidFieldError(`${FIELD}.security.protocol`, `is ${protocol}, which does not use TLS; set SSL or SASL_SSL, or remove security.tls`);
  }
  const config: KafkaClientOptions = { clientId, bootstrapBrokers: [...source.bootstrapServers] };
  if (usesTls) {
    const tls = security.tls ?? {};
    const ssl: ConnectionOptions = {};
    if (tls.ca !== undefined) ssl.ca = [resolveSecret(tls.ca, `${FIELD}.security.tls.ca`, options)];
    if (tls.cert !== undefined) ssl.cert = resolveSecret(tls.cert, `${FIELD}.security.tls.cert`, options);
    if (tls.key !== undefined) ssl.key = resolveSecret(tls.key, `${FIELD}.security.tls.key`, options);
    if ((tls.cert === undefined) !== (tls.key === undefined)) {
      throw new InvalidFieldError(`${FIELD}.security.tls`, 'cert and key go together: set both or neither');
    }
    if (tls.rejectUnauthorized !== undefined) ssl.rejectUnauthorized = tls.rejectUnauthorized;
    config.tls = ssl;
  }
  if (usesSasl && security.sasl !== undefined) {
    const { mechanism } = security.sasl;
    const username = resolveSecret(security.sasl.username, `${FIELD}.security.sasl.username`, options);
    const password = resolveSecret(security.sasl.password, `${FIELD}.security.sasl.password`, options);
    if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
      throw new InvalidFieldError(`${FIELD}.security.sasl.mechanism`, `${JSON.stringify(mechanism)} is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`);
    }
    config.sasl = { mechanism, username, password };
  }
  return config;
}
