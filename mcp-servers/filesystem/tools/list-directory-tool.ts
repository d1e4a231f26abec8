import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fsError } from '../path-guard.js';
import { assertStillReal } from '../safe-fs.js';
import { entryType, MAX_WALK_ENTRIES, pathSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { entryTypeOf } from '../walk.js';

export const registerListDirectoryTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'list_directory',
    {
      title: 'List directory',
      description:
        'Lists the entries of one directory with their type and size in bytes (symlinks are listed, not ' +
        'followed), sorted by name or by size (largest first), with totals.',
      inputSchema: {
        path: pathSchema,
        sortBy: z.enum(['name', 'size']).default('name').describe('name (default) or size, largest first'),
      },
      outputSchema: {
        path: z.string(),
        entries: z.array(z.object({ name: z.string(), type: entryType, size: z.number().int() })),
        totalFiles: z.number().int(),
        totalDirectories: z.number().int(),
        totalBytes: z.number().int(),
        truncated: z.boolean(),
      },
      annotations: READ_ONLY,
    },
    async ({ path, sortBy }) => {
      try {
        const { real } = await deps.guard.resolve(path, 'existing');
        const dirents = await readdir(real, { withFileTypes: true }).catch((error: unknown) => {
          throw fsError(error, path);
        });
        // Security: the listing is only returned if the directory is still the checked one.
        await assertStillReal(deps.guard, real, path);
        const truncated = dirents.length > MAX_WALK_ENTRIES;
        const entries = await Promise.all(
          dirents.slice(0, MAX_WALK_ENTRIES).map(async (d) => {
            const type = entryTypeOf(d);
            // lstat: a symlink's own size, never its target's (which may be outside the roots).
            const size = type === 'file' ? (await lstat(join(real, d.name))).size : 0;
            return { name: d.name, type, size };
          }),
        );
        entries.sort((a, b) => (sortBy === 'size' ? b.size - a.size : 0) || a.name.localeCompare(b.name));
        return dataResult({
          path,
          entries,
          totalFiles: entries.filter((e) => e.type === 'file').length,
          totalDirectories: entries.filter((e) => e.type === 'directory').length,
          totalBytes: entries.reduce((sum, e) => sum + e.size, 0),
          truncated,
        });
      } catch (error) {
        return errorResult(error, 'list_directory', deps.logger);
      }
    },
  );
};
