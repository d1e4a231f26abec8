import { lstat, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { ConflictError } from '#core';
import { errnoOf, fsError } from '../path-guard.js';
import { assertStillReal } from '../safe-fs.js';
import { pathSchema, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerMoveFileTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'move_file',
    {
      title: 'Move file',
      description:
        'Moves or renames a file or directory. Both paths must be inside the allowed directories; the ' +
        'destination must not exist yet (move it away first). A symlink is moved as a link.',
      inputSchema: { source: pathSchema, destination: pathSchema },
      outputSchema: { source: z.string(), destination: z.string() },
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ source, destination }) => {
      try {
        // 'entry': the names themselves are moved, so a link is never followed at either end.
        const from = await deps.guard.resolve(source, 'entry');
        const to = await deps.guard.resolve(destination, 'entry');
        await lstat(from.real).catch((error: unknown) => {
          throw fsError(error, source);
        });
        if (await exists(to.real)) throw new ConflictError(`destination '${destination}' already exists`);
        await assertStillReal(deps.guard, dirname(from.real), source);
        await assertStillReal(deps.guard, dirname(to.real), destination);
        await rename(from.real, to.real).catch((error: unknown) => {
          throw fsError(error, source);
        });
        return dataResult({ source, destination });
      } catch (error) {
        return errorResult(error, 'move_file', deps.logger);
      }
    },
  );
};

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}
