#!/usr/bin/env node
// Checks the dependency rule (docs/architecture.md): imports point downward only.
//   core (0) <- stores (1) <- runtime (2) <- mcp-servers, agents (3) <- bridge (4) <- app (5)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const LAYERS = { core: 0, stores: 1, runtime: 2, 'mcp-servers': 3, agents: 3, bridge: 4, app: 5 };
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
      if (!(targetLayer in LAYERS)) continue;
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
