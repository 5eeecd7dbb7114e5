/**
 * OSS error responses, shaped exactly like the real service's:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <Error><Code>NoSuchKey</Code><Message>…</Message><RequestId>…</RequestId><HostId>…</HostId>…</Error>
 *
 * plus the `x-oss-request-id` header on every response. ali-oss turns `Code` into `err.code`
 * and `${Code}Error` into `err.name`, so the codes and statuses below are what callers branch on.
 */
import { xmlElement } from './xml.ts';

/** Status and stock message of every error code the emulator can answer with. */
export const ERROR_CODES = {
  AccessDenied: [403, 'You have no right to access this object.'],
  BadDigest: [400, 'The Content-MD5 you specified did not match what we received.'],
  EntityTooSmall: [400, 'Your proposed upload smaller than the minimum allowed size.'],
  FileAlreadyExists: [409, 'The object you specified already exists and can not be overwritten.'],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The OSS Access Key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument.'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidDigest: [400, 'The Content-MD5 you specified is not valid.'],
  InvalidObjectName: [400, 'The specified object is not valid.'],
  InvalidPart: [400, "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.'],
  InvalidRange: [416, 'The requested range cannot be satisfied.'],
  MalformedXML: [400, 'The XML you provided was not well-formed or did not validate against our published schema.'],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  NoSuchBucket: [404, 'The specified bucket does not exist.'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'],
  NotImplemented: [501, 'A header you provided implies functionality that is not implemented.'],
  RequestTimeTooSkewed: [403, 'The difference between the request time and the current time is too large.'],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SignatureDoesNotMatch: [403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'],
} as const satisfies Record<string, readonly [number, string]>;

export type OssErrorCode = keyof typeof ERROR_CODES;

/** An error the emulator answers with; `extra` becomes additional child elements (Key, StringToSign...). */
export class OssError extends Error {
  readonly code: OssErrorCode;
  readonly status: number;
  readonly extra: Record<string, string>;

  constructor(code: OssErrorCode, message?: string, extra: Record<string, string> = {}) {
    super(message ?? ERROR_CODES[code][1]);
    this.name = 'OssError';
    this.code = code;
    this.status = ERROR_CODES[code][0];
    this.extra = extra;
  }
}

/** The XML body OSS sends for an error. */
export function errorXml(err: OssError, requestId: string, hostId: string): string {
  const children = [
    xmlElement('Code', err.code),
    xmlElement('Message', err.message),
    xmlElement('RequestId', requestId),
    xmlElement('HostId', hostId),
    ...Object.entries(err.extra).map(([k, v]) => xmlElement(k, v)),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  ${children.join('\n  ')}\n</Error>\n`;
}
