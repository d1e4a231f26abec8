import { lstat } from 'node:fs/promises';
import { z } from 'zod';
import { fsError } from '../path-guard.js';
import { entryType, pathSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';
import { entryTypeOf } from '../walk.js';

export const registerGetFileInfoTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'get_file_info',
    {
      title: 'Get file info',
      description: 'Returns the type, size, times (ISO 8601) and permissions of a file or directory.',
      inputSchema: { path: pathSchema },
      outputSchema: {
        path: z.string(),
        type: entryType,
        size: z.number().int(),
        created: z.string(),
        modified: z.string(),
        accessed: z.string(),
        permissions: z.string().describe('Octal, e.g. "644"'),
      },
      annotations: READ_ONLY,
    },
    async ({ path }) => {
      try {
        const { real } = await deps.guard.resolve(path, 'existing');
        // lstat on the real path: it has no links left, and the call does not follow a new one.
        const info = await lstat(real).catch((error: unknown) => {
          throw fsError(error, path);
        });
        return dataResult({
          path,
          type: entryTypeOf(info),
          size: info.size,
          created: info.birthtime.toISOString(),
          modified: info.mtime.toISOString(),
          accessed: info.atime.toISOString(),
          permissions: (info.mode & 0o777).toString(8),
        });
      } catch (error) {
        return errorResult(error, 'get_file_info', deps.logger);
      }
    },
  );
};
