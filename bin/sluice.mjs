#!/usr/bin/env node
// Entry point for `sluice` / `npx sluice`. Node >= 22.18 runs the TypeScript sources
// directly (type stripping); a built image runs dist/ instead.
import { existsSync } from 'node:fs';
const built = new URL('../dist/cli/main.js', import.meta.url);
const { main } = await import(existsSync(built) ? built.href : new URL('../src/cli/main.ts', import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
