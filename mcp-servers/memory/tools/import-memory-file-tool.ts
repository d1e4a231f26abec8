import type { McpServer } from '@modelcontextprotocol/server';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '#core';
import { progressReporter } from '#runtime/mcp';
import type { PathGuard } from '../../filesystem/path-guard.js';
import { openVerified } from '../../filesystem/safe-fs.js';
import { importGraph } from '../import-graph.js';
import { parseMemoryFile } from '../memory-jsonl.js';
import type { MemoryToolDeps } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

/** Larger files are refused before reading, so a wrong path cannot exhaust memory. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

export interface ImportMemoryFileDeps extends MemoryToolDeps {
  /**
   * The filesystem server's guard over its configured roots (filesystem.roots): a `path` is read
   * only when its real location is inside them. No roots: every `path` is refused.
   */
  files: PathGuard;
}

export function registerImportMemoryFileTool(server: McpServer, deps: ImportMemoryFileDeps): void {
  server.registerTool(
    'import_memory_file',
    {
      title: 'Import memory file',
      description:
        'Imports the JSONL memory file of @modelcontextprotocol/server-memory (its MEMORY_FILE_PATH), given ' +
        'as the file`s `text` or as an absolute `path` inside the filesystem server`s allowed directories ' +
        '(filesystem.roots; with none configured only `text` is accepted). Merges: new entities are ' +
        'created, existing ones gain missing observations, relations are added once. The whole file is ' +
        'checked first; a bad line refuses the import. Sends progress notifications; a cancelled import ' +
        'keeps the batches already written.',
      inputSchema: z.object({
        path: z
          .string()
          .min(1)
          .optional()
          .describe('Absolute path of the memory.jsonl file, inside the allowed directories'),
        text: z.string().optional().describe('The JSONL content itself, one entity or relation per line'),
      }),
      outputSchema: z.object({
        lines: z.number().int(),
        skipped: z.number().int().describe('Lines of another type, ignored as the reference ignores them'),
        entitiesCreated: z.number().int(),
        observationsAdded: z.number().int(),
        relationsCreated: z.number().int(),
        cancelled: z.boolean(),
      }),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async ({ path, text }, ctx) => {
      try {
        const content = await loadInput(deps.files, path, text);
        const parsed = parseMemoryFile(content);
        const reportProgress = progressReporter(ctx, deps.logger);
        const signal = AbortSignal.any([ctx.mcpReq.signal, deps.shutdown]);
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
}

async function loadInput(
  files: PathGuard,
  path: string | undefined,
  text: string | undefined,
): Promise<string> {
  if ((path === undefined) === (text === undefined)) {
    throw new ValidationError(
      'give exactly one of `path` (an absolute file path) or `text` (the JSONL content)',
    );
  }
  if (text !== undefined) return text;
  if (!path || !isAbsolute(path))
    throw new ValidationError('`path` must be absolute, like /home/me/memory.jsonl');
  if (files.roots().length === 0)
    throw new ValidationError(
      'reading files is off: no filesystem roots are configured. Pass the JSONL content as `text`, ' +
        'or configure filesystem.roots (SWITCHYARD_FS_ROOTS) to a directory holding the file',
    );
  return readInsideRoots(files, path);
}

/**
 * Reads `path` through the filesystem server's guard: its real path (symlinks resolved) must lie
 * inside a root, and the file opened must be the file checked. Security: every refusal has the
 * same message, so the tool cannot tell whether something outside the roots exists (a link
 * inside a root to a missing file outside would otherwise answer "does not exist").
 */
async function readInsideRoots(files: PathGuard, path: string): Promise<string> {
  let handle: FileHandle;
  try {
    const { real } = await files.resolve(path, 'existing');
    handle = await openVerified(files, real, path);
  } catch (error) {
    throw new ValidationError(
      `cannot import '${path}': it is not a readable file inside the allowed directories ` +
        '(filesystem.roots). Pass a file inside them, or the JSONL content as `text`',
      { path },
      error,
    );
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_IMPORT_BYTES)
      throw new ValidationError(
        `'${path}' is ${size} bytes; the limit is ${MAX_IMPORT_BYTES}; split the file`,
      );
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
