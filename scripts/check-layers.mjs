#!/usr/bin/env node
// Checks the dependency rule (docs/architecture.md), with no exception:
//   core (0) <- stores (1) <- runtime (2) <- mcp-servers, agents (3) <- bridge (4) <- app (5)
// 1. An import points to its own layer or a lower one.
// 2. An import that leaves its layer goes through a front door: a `#` alias of package.json
//    `imports` (#core, #stores/sql, …), which resolves to that subsystem's index.ts. A relative
//    import never climbs out of its own top-level folder.
// 3. Every alias in package.json resolves to an index.ts that exists.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The repository's root, or the tree given as the first argument (the check's own tests use one).
const root = resolve(process.argv[2] ?? resolve(dirname(new URL(import.meta.url).pathname), '..'));
const LAYERS = { core: 0, stores: 1, runtime: 2, 'mcp-servers': 3, agents: 3, bridge: 4, app: 5 };
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const { imports: aliases } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

/** The file (relative to the root) that an alias import names, or undefined when none matches. */
function resolveAlias(specifier) {
  for (const [alias, target] of Object.entries(aliases)) {
    if (!alias.includes('*')) {
      if (specifier === alias) return target.replace(/^\.\//, '');
      continue;
    }
    const [prefix, suffix] = alias.split('*');
    if (specifier.startsWith(prefix) && specifier.endsWith(suffix)) {
      const star = specifier.slice(prefix.length, specifier.length - suffix.length);
      if (star.includes('/')) return undefined; // a front door is one folder deep, never a file inside it
      return target.replace('*', star).replace(/^\.\//, '');
    }
  }
  return undefined;
}

const problems = [];
for (const layer of Object.keys(LAYERS)) {
  if (!existsSync(join(root, layer))) continue;
  for (const file of files(join(root, layer))) {
    const from = relative(root, file);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      let target;
      if (specifier.startsWith('#')) {
        target = resolveAlias(specifier);
        if (target === undefined || !existsSync(join(root, target))) {
          problems.push(`${from} imports ${specifier}: no front door answers to that name`);
          continue;
        }
      } else if (specifier.startsWith('.')) {
        target = relative(root, resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
        const targetLayer = target.split('/')[0];
        if (targetLayer !== layer && targetLayer in LAYERS) {
          problems.push(
            `${from} imports ${specifier}: another layer is reached through its front door (#${targetLayer}/…), not a relative path`,
          );
          continue;
        }
      } else continue; // a package
      const targetLayer = target.split('/')[0];
      if (targetLayer in LAYERS && targetLayer !== layer && LAYERS[targetLayer] >= LAYERS[layer]) {
        problems.push(
          `${from} (${layer}) imports ${target} (${targetLayer}): imports must point to a lower layer`,
        );
      }
    }
  }
}
for (const [alias, target] of Object.entries(aliases)) {
  if (!alias.includes('*') && !existsSync(join(root, target)))
    problems.push(`package.json alias ${alias}: ${target} is missing`);
}
if (problems.length > 0) {
  console.error(`layer check failed:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.error('layer check: imports point downward, and across layers only through front doors');
