/** Where IngestJobs live in the API, for clients, watches and owner references. */
import { GROUP, PLURAL, VERSION } from '../api/types.ts';

export const API_GROUP_VERSION = `${GROUP}/${VERSION}`;

/** REST path of IngestJobs in one namespace, or in all when `namespace` is undefined. */
export function ingestJobsPath(namespace: string | undefined): string {
  return namespace ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}` : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
}

export function podsPath(namespace: string | undefined): string {
  return namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
}
