import { z } from 'zod';
import { readLimited } from '../safe-fs.js';
import { pathSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

const MAX_FILES = 50;

export const registerReadMultipleFilesTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'read_multiple_files',
    {
      title: 'Read multiple files',
      description:
        `Reads up to ${MAX_FILES} text files at once. A file that cannot be read gets an \`error\` ` +
        'instead of `content`; the others are still returned. The total is bounded by the read size limit.',
      inputSchema: { paths: z.array(pathSchema).min(1).max(MAX_FILES) },
      outputSchema: {
        files: z.array(
          z.object({ path: z.string(), content: z.string().optional(), error: z.string().optional() }),
        ),
      },
      annotations: READ_ONLY,
    },
    async ({ paths }) => {
      try {
        let budget = deps.maxReadBytes;
        const files: Array<{ path: string; content?: string; error?: string }> = [];
        // Sequential, so the shared byte budget is enforced exactly.
        for (const path of paths) {
          try {
            const { real } = await deps.guard.resolve(path, 'existing');
            const data = await readLimited(deps.guard, real, path, budget);
            budget -= data.length;
            files.push({ path, content: data.toString('utf8') });
          } catch (error) {
            files.push({ path, error: error instanceof Error ? error.message : String(error) });
          }
        }
        return dataResult({ files });
      } catch (error) {
        return errorResult(error, 'read_multiple_files', deps.logger);
      }
    },
  );
};
