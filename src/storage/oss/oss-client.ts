/**
 * Building ali-oss clients from Sluice's OssStorage settings, one per bucket.
 *
 * Path style (`pathStyle: true`, only for emulators; real OSS accepts virtual-hosted URLs
 * only) maps to ali-oss `sldEnable: true`, except for an IP endpoint: there ali-oss already
 * sends `Host: <bucket>.<region endpoint>` with path `/key`, and adding sldEnable would name
 * the bucket twice.
 */
import { isIP } from 'node:net';
import OSS from 'ali-oss';
import type { OssKeys } from './credentials.ts';
import { refuseOssHdfsEndpoint } from './oss-location.ts';

export interface OssClientSettings {
  endpoint: string;
  /** `cn-hangzhou` or `oss-cn-hangzhou`. @default 'cn-hangzhou' */
  region?: string;
  /** @default 'v1' */
  signatureVersion?: 'v1' | 'v4';
  /** @default false */
  pathStyle?: boolean;
  /** Per-request timeout. @default 60000 */
  timeoutMs?: number;
}

type AliOptions = OSS.Options & { sldEnable?: boolean };

export function createOssClient(settings: OssClientSettings, keys: OssKeys, bucket: string, field = 'storage.oss.endpoint'): OSS {
  refuseOssHdfsEndpoint(settings.endpoint, field);
  const region = settings.region ?? 'cn-hangzhou';
  const host = settings.endpoint.replace(/^[a-z]+:\/\//i, '').replace(/[/:].*$/, '').replace(/^\[|\]$/g, '');
  const options: AliOptions = {
    endpoint: settings.endpoint,
    region: region.startsWith('oss-') ? region : `oss-${region}`,
    bucket,
    accessKeyId: keys.accessKeyId,
    accessKeySecret: keys.accessKeySecret,
    ...(keys.securityToken ? { stsToken: keys.securityToken } : {}),
    authorizationV4: settings.signatureVersion === 'v4',
    sldEnable: (settings.pathStyle ?? false) && isIP(host) === 0,
    timeout: settings.timeoutMs ?? 60000,
    secure: settings.endpoint.startsWith('https://'),
  };
  return new OSS(options);
}
