import { z } from 'zod';
import { ValidationError } from '#core';
import { readLimited, readWindow } from '../safe-fs.js';
import { pathSchema, READ_ONLY, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

export const registerReadTextFileTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'read_text_file',
    {
      title: 'Read text file',
      description:
        'Reads a UTF-8 text file inside the allowed directories. `head: n` returns only the first n lines, ' +
        '`tail: n` only the last n (not both); use them for large files. Files over the size limit ' +
        'can only be read with head or tail.',
      inputSchema: {
        path: pathSchema,
        head: z.number().int().min(1).optional().describe('Only the first N lines'),
        tail: z.number().int().min(1).optional().describe('Only the last N lines'),
      },
      outputSchema: { path: z.string(), content: z.string(), truncated: z.boolean() },
      annotations: READ_ONLY,
    },
    async ({ path, head, tail }) => {
      try {
        if (head !== undefined && tail !== undefined)
          throw new ValidationError('give `head` or `tail`, not both');
        const { real } = await deps.guard.resolve(path, 'existing');
        if (head === undefined && tail === undefined) {
          const data = await readLimited(deps.guard, real, path, deps.maxReadBytes);
          return dataResult({ path, content: data.toString('utf8'), truncated: false });
        }
        const from = head !== undefined ? 'start' : 'end';
        const { data, truncated } = await readWindow(deps.guard, real, path, deps.maxReadBytes, from);
        const lines = data.toString('utf8').split('\n');
        // A window cut from the middle of a file starts or ends mid-line: drop that partial line.
        if (truncated) {
          if (from === 'start') lines.pop();
          else lines.shift();
        }
        if (from === 'end' && lines.at(-1) === '') lines.pop();
        const picked = head !== undefined ? lines.slice(0, head) : lines.slice(-(tail ?? 0));
        return dataResult({
          path,
          content: picked.join('\n'),
          truncated: picked.length < lines.length || truncated,
        });
      } catch (error) {
        return errorResult(error, 'read_text_file', deps.logger);
      }
    },
  );
};
