import { mkdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '#core';
import { AccessDeniedError, errnoOf, fsError, isWithin } from '../path-guard.js';
import { assertStillReal } from '../safe-fs.js';
import { pathSchema, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerCreateDirectoryTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'create_directory',
    {
      title: 'Create directory',
      description:
        'Creates a directory and any missing parents. Succeeds (created: false) when it already exists.',
      inputSchema: { path: pathSchema },
      outputSchema: { path: z.string(), created: z.boolean() },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ path }) => {
      try {
        const { real } = await deps.guard.resolve(path, 'create');
        const existing = await realOrUndefined(real);
        if (existing !== undefined) {
          if (!(await stat(existing)).isDirectory())
            throw new ValidationError(`'${path}' exists and is not a directory`, { path });
          return dataResult({ path, created: false });
        }
        // One level at a time, each parent re-checked before its child is made: a parent swapped
        // for a symlink mid-way is refused instead of creating directories wherever it points.
        const root = deps.guard.roots().find((r) => isWithin(real, r));
        if (root === undefined) throw new AccessDeniedError(path, 'is outside the allowed directories');
        let current = root;
        for (const segment of relative(root, real).split(sep).filter(Boolean)) {
          const next = join(current, segment);
          await assertStillReal(deps.guard, current, path);
          try {
            await mkdir(next);
          } catch (error) {
            if (errnoOf(error) !== 'EEXIST') throw fsError(error, path);
          }
          current = next;
        }
        await assertStillReal(deps.guard, real, path);
        // mkdir tolerated EEXIST above; a file of that name is not the directory asked for.
        if (!(await stat(real)).isDirectory())
          throw new ValidationError(`'${path}' exists and is not a directory`, { path });
        return dataResult({ path, created: true });
      } catch (error) {
        return errorResult(error, 'create_directory', deps.logger);
      }
    },
  );
};

async function realOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}
