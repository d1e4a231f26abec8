import { progressReporter } from '../../../runtime/mcp/progress.js';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../../runtime/errors.js';
import { importGraph } from '../import-graph.js';
import { parseMemoryFile } from '../memory-jsonl.js';
import type { RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

/** Larger files are refused before reading, so a wrong path cannot exhaust memory. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export const registerImportMemoryFileTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'import_memory_file',
    {
      title: 'Import memory file',
      description:
        'Imports the JSONL memory file of @modelcontextprotocol/server-memory (its MEMORY_FILE_PATH), given ' +
        'as an absolute `path` readable by this server or as the file`s `text`. Merges: new entities are ' +
        'created, existing ones gain missing observations, relations are added once. The whole file is ' +
        'checked first; a bad line refuses the import. Sends progress notifications; a cancelled import ' +
        'keeps the batches already written.',
      inputSchema: {
        path: z.string().min(1).optional().describe('Absolute path of the memory.jsonl file'),
        text: z.string().optional().describe('The JSONL content itself, one entity or relation per line'),
      },
      outputSchema: {
        lines: z.number().int(),
        skipped: z.number().int().describe('Lines of another type, ignored as the reference ignores them'),
        entitiesCreated: z.number().int(),
        observationsAdded: z.number().int(),
        relationsCreated: z.number().int(),
        cancelled: z.boolean(),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ path, text }, extra) => {
      try {
        const content = await loadInput(path, text);
        const parsed = parseMemoryFile(content);
        const reportProgress = progressReporter(extra, deps.logger);
        const signal = AbortSignal.any([extra.signal, deps.shutdown]);
        const report = await importGraph(deps.sql, parsed.lines, {
          signal,
          onBatch: async (done, total, change) => {
            await deps.index.apply(change);
            await reportProgress(done, total, `${done} of ${total} lines imported`);
          },
        });
        const data = { ...report, skipped: parsed.skipped };
        return dataResult(data, data);
      } catch (error) {
        return errorResult(error, 'import_memory_file', deps.logger);
      }
    },
  );
};

async function loadInput(path: string | undefined, text: string | undefined): Promise<string> {
  if ((path === undefined) === (text === undefined)) {
    throw new ValidationError(
      'give exactly one of `path` (an absolute file path) or `text` (the JSONL content)',
    );
  }
  if (text !== undefined) return text;
  if (!path || !isAbsolute(path))
    throw new ValidationError('`path` must be absolute, like /home/me/memory.jsonl');
  const info = await stat(path).catch((error: unknown) => {
    throw new ValidationError(
      `cannot read '${path}': ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  if (!info.isFile()) throw new ValidationError(`'${path}' is not a file`);
  if (info.size > MAX_IMPORT_BYTES) {
    throw new ValidationError(
      `'${path}' is ${info.size} bytes; the limit is ${MAX_IMPORT_BYTES}; split the file`,
    );
  }
  return readFile(path, 'utf8');
}
