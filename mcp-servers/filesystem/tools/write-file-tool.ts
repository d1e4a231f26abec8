import { z } from 'zod';
import { atomicWrite } from '../safe-fs.js';
import { pathSchema, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerWriteFileTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'write_file',
    {
      title: 'Write file',
      description:
        'Creates a file or replaces its whole content with UTF-8 text, atomically (readers see the old or ' +
        'the new content, never a mix). The parent directory must exist (create_directory). To change part ' +
        'of a file, use edit_file.',
      inputSchema: { path: pathSchema, content: z.string() },
      outputSchema: { path: z.string(), bytes: z.number().int() },
      // Idempotent: writing the same content twice leaves the same file.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async ({ path, content }) => {
      try {
        const { real } = await deps.guard.resolve(path, 'create');
        const bytes = await atomicWrite(deps.guard, real, path, content, deps.maxWriteBytes);
        return dataResult({ path, bytes });
      } catch (error) {
        return errorResult(error, 'write_file', deps.logger);
      }
    },
  );
};
