/**
 * Paging and delimiter folding shared by ListObjects, ListObjectsV2 and ListMultipartUploads.
 * Pure functions over sorted entries, so the rules are tested without HTTP.
 *
 * With a delimiter, every entry whose key has the delimiter after the prefix folds into one
 * CommonPrefix (`prefix` + text up to and including the delimiter). Entries and common
 * prefixes both count toward max-keys, and the "next marker" is the last one returned: a
 * common prefix as marker skips everything under it.
 */

export interface PageRequest {
  prefix: string;
  delimiter: string;
  /** Return only entries strictly after this (key-marker / start-after / continuation). */
  after: (key: string, id: string) => boolean;
  max: number;
}

export interface Page<T> {
  items: T[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last entry returned, or the last common prefix if that came last. */
  last?: { key: string; item?: T };
}

export function page<T>(sorted: T[], keyOf: (t: T) => string, idOf: (t: T) => string, req: PageRequest): Page<T> {
  const items: T[] = [];
  const commonPrefixes: string[] = [];
  let last: Page<T>['last'];
  let truncated = false;
  for (const e of sorted) {
    const key = keyOf(e);
    if (!key.startsWith(req.prefix)) continue;
    let cp: string | undefined;
    if (req.delimiter !== '') {
      const i = key.indexOf(req.delimiter, req.prefix.length);
      if (i >= 0) cp = key.slice(0, i + req.delimiter.length);
    }
    if (cp !== undefined) {
      // A common prefix used as the marker covers every key beneath it.
      if (!req.after(cp, '\uffff') || cp === last?.key) continue;
    } else if (!req.after(key, idOf(e))) {
      continue;
    }
    if (items.length + commonPrefixes.length >= req.max) {
      truncated = true;
      break;
    }
    if (cp !== undefined) {
      commonPrefixes.push(cp);
      last = { key: cp };
    } else {
      items.push(e);
      last = { key, item: e };
    }
  }
  return { items, commonPrefixes, truncated, last };
}

/** `after` for a single key marker ('' = from the start). */
export function afterKey(marker: string): PageRequest['after'] {
  return (key) => marker === '' || key > marker;
}

/** `after` for ListMultipartUploads' key-marker + upload-id-marker pair. */
export function afterUpload(keyMarker: string, uploadIdMarker: string): PageRequest['after'] {
  return (key, id) => {
    if (keyMarker === '') return true;
    if (key !== keyMarker) return key > keyMarker;
    return uploadIdMarker !== '' && id > uploadIdMarker;
  };
}
