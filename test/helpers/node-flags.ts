/**
 * The Node flags `bin/sluice.mjs` starts with, read from its shebang
 * (`#!/usr/bin/env -S node --max-semi-space-size=16 --max-old-space-size=512`): the one place they are written. Whatever
 * starts sluice with an explicit Node binary (the test kubelet's image mapping, the operator and
 * measurement processes) passes these, so every start matches the image's (test/image/).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.mjs', import.meta.url));

/** The flags of a `#!/usr/bin/env -S node <flags>` shebang; throws naming the file otherwise. */
export function shebangNodeFlags(file = SLUICE_BIN): string[] {
  const first = readFileSync(file, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node((?: --?[A-Za-z0-9-]+(?:=\S+)?)*)\s*$/.exec(first);
  if (!m) throw new Error(`${file}: the first line is not '#!/usr/bin/env -S node <flags>': ${JSON.stringify(first)}`);
  return m[1]!.trim().split(/\s+/).filter((f) => f !== '');
}
