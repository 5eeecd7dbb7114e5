/**
 * How the test kubelet turns a container into a local command. There are no images here: an image
 * reference is matched against a list of mappings (first match wins), and the mapping's entrypoint
 * stands in for the image's ENTRYPOINT. Kubernetes' own rules then apply: `command` replaces the
 * entrypoint, `args` follow it, and `$(VAR)` in either expands from the container's env.
 */
import { join } from 'node:path';
import { shebangNodeFlags } from '../helpers/node-flags.ts';

export interface ImageMapping {
  /** Image glob: `*` matches any run of characters, e.g. `sluice/runner:*`. */
  image: string;
  /** argv that replaces the image's entrypoint. `{node}` is this Node binary, `{repo}` the repo root. */
  entrypoint: string[];
  /**
   * A `command[0]` that means "the image's own program" (e.g. `sluice`): it is replaced by the
   * entrypoint instead of being run from PATH. @default none
   */
  commandName?: string;
}

export interface CommandContext {
  nodeBinary: string;
  repoRoot: string;
}

/**
 * The sluice image (`ghcr.io/sluice-dev/sluice:*`, the name README, chart and Dockerfile use; any
 * tag) and its short test alias `sluice/runner:*` run the repo's CLI; `sluice/node:*` is plain
 * Node, for tests and demos.
 */
export function defaultImageMappings(): ImageMapping[] {
  return [
    // the image's launcher execs bin/sluice.mjs, whose shebang carries the Node flags: the same here
    { image: 'ghcr.io/sluice-dev/sluice:*', entrypoint: ['{node}', ...shebangNodeFlags(), join('{repo}', 'bin', 'sluice.mjs')], commandName: 'sluice' },
    { image: 'sluice/runner:*', entrypoint: ['{node}', ...shebangNodeFlags(), join('{repo}', 'bin', 'sluice.mjs')], commandName: 'sluice' },
    { image: 'sluice/node:*', entrypoint: ['{node}'], commandName: 'node' },
  ];
}

function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*') + '$');
}

export function findMapping(image: string, mappings: readonly ImageMapping[]): ImageMapping | undefined {
  return mappings.find((m) => globToRegExp(m.image).test(image));
}

/** `$(VAR)` → value when VAR is defined, `$$(VAR)` → literal `$(VAR)`, as the kubelet does. */
export function expandVars(s: string, env: Readonly<Record<string, string>>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : m;
  });
}

export interface ContainerCommand {
  command?: string[];
  args?: string[];
  image?: string;
}

/**
 * The argv to spawn for a container, or an error message naming the image when nothing maps it
 * (the pod then waits with reason ErrImagePull, as a kubelet would).
 */
export function resolveArgv(container: ContainerCommand, mappings: readonly ImageMapping[], ctx: CommandContext,
  env: Readonly<Record<string, string>>): { argv: string[] } | { error: string } {
  const image = container.image ?? '';
  const mapping = findMapping(image, mappings);
  if (!mapping) return { error: `image "${image}" has no local mapping in the test kubelet (known: ${mappings.map((m) => m.image).join(', ')})` };
  const entry = mapping.entrypoint.map((a) => a.replaceAll('{node}', ctx.nodeBinary).replaceAll('{repo}', ctx.repoRoot));
  const command = (container.command ?? []).map((a) => expandVars(a, env));
  const args = (container.args ?? []).map((a) => expandVars(a, env));
  let argv: string[];
  if (command.length === 0) argv = [...entry, ...args];
  else if (mapping.commandName !== undefined && command[0] === mapping.commandName) argv = [...entry, ...command.slice(1), ...args];
  else argv = [...command, ...args];
  return { argv };
}
