import picomatch from 'picomatch';
import { z } from 'zod';
import { ValidationError } from '#core';
import {
  entryType,
  type EntryType,
  MAX_WALK_DEPTH,
  MAX_WALK_ENTRIES,
  pathSchema,
  READ_ONLY,
  type RegisterTool,
} from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { walk } from '../walk.js';

interface TreeNode {
  name: string;
  type: EntryType;
  children?: TreeNode[];
}

const treeNode = z.object({
  name: z.string(),
  type: entryType,
  children: z.array(z.unknown()).optional().describe('Entries of a directory, each a node like this one'),
});

export const registerDirectoryTreeTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'directory_tree',
    {
      title: 'Directory tree',
      description:
        'Returns the tree of a directory as nested {name, type, children} nodes. Symlinks are shown, never ' +
        `followed. excludePatterns are globs (e.g. "node_modules", "**/*.log"). Bounded to ${MAX_WALK_ENTRIES} ` +
        'entries (truncated: true beyond) and maxDepth levels.',
      inputSchema: {
        path: pathSchema,
        excludePatterns: z.array(z.string().min(1)).default([]),
        maxDepth: z.number().int().min(1).max(MAX_WALK_DEPTH).default(MAX_WALK_DEPTH),
      },
      outputSchema: { path: z.string(), tree: z.array(treeNode), truncated: z.boolean() },
      annotations: READ_ONLY,
    },
    async ({ path, excludePatterns, maxDepth }, extra) => {
      try {
        const { real } = await deps.guard.resolve(path, 'existing');
        const excluded = excludeMatcher(excludePatterns);
        const root: TreeNode[] = [];
        const byPath = new Map<string, TreeNode[]>([['', root]]);
        const entries = walk({
          guard: deps.guard,
          start: real,
          shown: path,
          maxDepth,
          maxEntries: MAX_WALK_ENTRIES,
          signal: AbortSignal.any([extra.mcpReq.signal, deps.shutdown]),
          exclude: excluded,
        });
        let next = await entries.next();
        while (!next.done) {
          const entry = next.value;
          const node: TreeNode =
            entry.type === 'directory'
              ? { name: entry.name, type: entry.type, children: [] }
              : { name: entry.name, type: entry.type };
          const parent = entry.relative.includes('/')
            ? entry.relative.slice(0, entry.relative.lastIndexOf('/'))
            : '';
          byPath.get(parent)?.push(node);
          if (node.children) byPath.set(entry.relative, node.children);
          next = await entries.next();
        }
        return dataResult({ path, tree: root, truncated: next.value.truncated });
      } catch (error) {
        return errorResult(error, 'directory_tree', deps.logger);
      }
    },
  );
};

/** Matches a relative path or a bare name against glob patterns; bad globs are a ValidationError. */
export function excludeMatcher(patterns: readonly string[]): (relative: string, name: string) => boolean {
  if (patterns.length === 0) return () => false;
  try {
    const match = picomatch([...patterns], { dot: true });
    return (relative, name) => match(relative) || match(name);
  } catch (error) {
    throw new ValidationError(
      `invalid exclude pattern: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
