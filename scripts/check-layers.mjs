#!/usr/bin/env node
// Checks DESIGN.md's dependency rule: imports point downward only.
//   stores (0) <- runtime (1) <- mcp-servers, agents (2) <- bridge (3)
// The one exception: runtime/errors.ts and runtime/logger.ts are leaf modules (they import no
// project code) that every layer may use, stores included.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const LAYERS = { stores: 0, runtime: 1, 'mcp-servers': 2, agents: 2, bridge: 3 };
const LEAVES = new Set(['runtime/errors.ts', 'runtime/logger.ts']);
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

const problems = [];
for (const layer of Object.keys(LAYERS)) {
  let dir;
  try {
    dir = join(root, layer);
    statSync(dir);
  } catch {
    continue;
  }
  for (const file of files(dir)) {
    const from = relative(root, file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const target = relative(root, resolve(dirname(file), (match[1] ?? match[2]).replace(/\.js$/, '.ts')));
      const targetLayer = target.split('/')[0];
      if (LEAVES.has(from)) {
        problems.push(`${from} is a leaf module but imports ${target}`);
        continue;
      }
      if (!(targetLayer in LAYERS) || LEAVES.has(target)) continue;
      if (targetLayer !== layer && LAYERS[targetLayer] >= LAYERS[layer]) {
        problems.push(
          `${from} (${layer}) imports ${target} (${targetLayer}): imports must point to a lower layer`,
        );
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.error('layer check: imports point downward');
