/**
 * Standalone OSS emulator:
 *   npx node test/oss-emulator/main.ts --port 19000 --data DIR --bucket b [--bucket c]
 *     --access-key-id K --access-key-secret S [--region cn-hangzhou] [--host 127.0.0.1]
 * Prints one JSON line `{"endpoint": ..., "port": ...}` once it listens; stops on SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { startOssEmulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    bucket: { type: 'string', multiple: true, default: [] },
    'access-key-id': { type: 'string' },
    'access-key-secret': { type: 'string' },
    region: { type: 'string', default: 'cn-hangzhou' },
  },
});

const missing = ['data', 'access-key-id', 'access-key-secret'].filter((k) => values[k as keyof typeof values] === undefined);
if (missing.length > 0) {
  process.stderr.write(`oss-emulator: missing --${missing.join(', --')}\n`);
  process.exit(2);
}

const emulator = await startOssEmulator({
  dataDir: values.data!,
  port: Number(values.port),
  host: values.host,
  buckets: values.bucket,
  credentials: { [values['access-key-id']!]: values['access-key-secret']! },
  region: values.region,
});
process.stdout.write(JSON.stringify({ endpoint: emulator.endpoint, ipEndpoint: emulator.ipEndpoint, port: emulator.port, region: emulator.region, buckets: values.bucket }) + '\n');
const stop = (): void => {
  void emulator.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
