#!/usr/bin/env node
// Writes dist/package.json after tsc: the same `imports` aliases (#core, #stores/*, …) as the
// root package.json, pointed at the compiled .js files. Node resolves a `#` import from the
// nearest package.json, so the sources (run by tsx and vitest) reach the .ts front doors and
// the build (run by node) reaches the .js ones, with no condition flag to pass to either.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const { imports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const compiled = Object.fromEntries(
  Object.entries(imports).map(([alias, target]) => [alias, target.replace(/\.ts$/, '.js')]),
);
writeFileSync(
  join(root, 'dist', 'package.json'),
  `${JSON.stringify({ type: 'module', private: true, imports: compiled }, null, 2)}\n`,
);
