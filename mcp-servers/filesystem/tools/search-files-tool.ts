import { progressReporter } from '#runtime/mcp';
import picomatch from 'picomatch';
import { z } from 'zod';
import { ValidationError } from '#core';
import { MAX_WALK_DEPTH, MAX_WALK_ENTRIES, pathSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { walk } from '../walk.js';
import { excludeMatcher } from './directory-tree-tool.js';

const MAX_MATCHES = 1000;
const PROGRESS_EVERY = 200;

export const registerSearchFilesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'search_files',
    {
      title: 'Search files',
      description:
        'Finds files and directories below a path whose relative path matches a glob: "*.ts" matches by name ' +
        'at any depth, "src/**/*.test.ts" by path. excludePatterns skip whole subtrees. Symlinks are not ' +
        `followed. Returns paths relative to \`path\`; at most ${MAX_MATCHES} matches, ${MAX_WALK_ENTRIES} entries scanned.`,
      inputSchema: {
        path: pathSchema,
        pattern: z.string().min(1).describe('Glob, e.g. "*.md" or "docs/**/*.md"'),
        excludePatterns: z.array(z.string().min(1)).default([]),
      },
      outputSchema: { path: z.string(), matches: z.array(z.string()), truncated: z.boolean() },
      annotations: READ_ONLY,
    },
    async ({ path, pattern, excludePatterns }, extra) => {
      try {
        const { real } = await deps.guard.resolve(path, 'existing');
        const matches = globMatcher(pattern);
        const found: string[] = [];
        const reportProgress = progressReporter(extra, deps.logger);
        const entries = walk({
          guard: deps.guard,
          start: real,
          shown: path,
          maxDepth: MAX_WALK_DEPTH,
          maxEntries: MAX_WALK_ENTRIES,
          signal: AbortSignal.any([extra.mcpReq.signal, deps.shutdown]),
          exclude: excludeMatcher(excludePatterns),
        });
        let scanned = 0;
        let next = await entries.next();
        while (!next.done) {
          scanned += 1;
          if (matches(next.value.relative)) found.push(next.value.relative);
          if (found.length >= MAX_MATCHES) return dataResult({ path, matches: found, truncated: true });
          if (scanned % PROGRESS_EVERY === 0) {
            await reportProgress(scanned, undefined, `${scanned} entries scanned, ${found.length} matches`);
          }
          next = await entries.next();
        }
        return dataResult({ path, matches: found, truncated: next.value.truncated });
      } catch (error) {
        return errorResult(error, 'search_files', deps.logger);
      }
    },
  );
};

/**
 * A pattern without `/` matches names at any depth (as users expect from "*.ts"); one with `/`
 * matches the relative path. Security: matching is on paths the walk produced, which never leave
 * the start directory, so a pattern like "../**" simply matches nothing.
 */
function globMatcher(pattern: string): (relative: string) => boolean {
  try {
    return picomatch(pattern, { dot: true, basename: !pattern.includes('/') });
  } catch (error) {
    throw new ValidationError(
      `invalid glob pattern: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}
