/** A parsed job document, as tests build and break them. */
export type Doc = Record<string, unknown>;

/**
 * Sets each dotted path (`spec.source.schema.1.name`) to its value, creating mappings on the
 * way; `undefined` deletes the field. Keeps ill-typed test input free of casts.
 */
export function edited(job: Doc, edits: Record<string, unknown>): Doc {
  for (const [path, value] of Object.entries(edits)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    let node = job;
    for (const key of keys) {
      node[key] ??= {};
      node = node[key] as Doc;
    }
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return job;
}
