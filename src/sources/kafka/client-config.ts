import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { logLevel } from 'kafkajs';
import type { KafkaSource } from '../../api/types.ts';
import { InvalidFieldError } from '../../api/field-error.ts';
import { resolveSecret } from './secret-ref.ts';
import type { SecretResolveOptions } from './secret-ref.ts';

const FIELD = 'spec.source.kafka';

/**
 * Maps the IngestJob's Kafka connection fields to a kafkajs client config, Flink/Kafka style:
 * `security.protocol` PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL (default PLAINTEXT, or
 * SASL_PLAINTEXT when only `sasl` is given), SASL mechanisms PLAIN and SCRAM-SHA-256/512.
 * Secrets are read here, once, from files/env/mounted Secrets; the returned object holds them,
 * so it must never be logged.
 */
export function kafkaClientConfig(
  source: Pick<KafkaSource, 'bootstrapServers' | 'security'>,
  clientId: string,
  options: SecretResolveOptions = {},
): KafkaConfig {
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
  const config: KafkaConfig = { clientId, brokers: [...source.bootstrapServers], logLevel: logLevel.ERROR };
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
    config.ssl = Object.keys(ssl).length > 0 ? ssl : true;
  }
  if (usesSasl && security.sasl !== undefined) {
    const { mechanism } = security.sasl;
    const username = resolveSecret(security.sasl.username, `${FIELD}.security.sasl.username`, options);
    const password = resolveSecret(security.sasl.password, `${FIELD}.security.sasl.password`, options);
    let sasl: SASLOptions;
    switch (mechanism) {
      case 'PLAIN':
        sasl = { mechanism: 'plain', username, password };
        break;
      case 'SCRAM-SHA-256':
        sasl = { mechanism: 'scram-sha-256', username, password };
        break;
      case 'SCRAM-SHA-512':
        sasl = { mechanism: 'scram-sha-512', username, password };
        break;
      default:
        throw new InvalidFieldError(`${FIELD}.security.sasl.mechanism`, `${JSON.stringify(mechanism)} is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512`);
    }
    config.sasl = sasl;
  }
  return config;
}
