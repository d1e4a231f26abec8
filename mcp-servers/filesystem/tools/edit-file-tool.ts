import { createTwoFilesPatch } from 'diff';
import { z } from 'zod';
import { ValidationError } from '#core';
import { atomicWrite, readLimited } from '../safe-fs.js';
import { pathSchema, type RegisterTool } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

const editSchema = z.object({
  oldText: z.string().min(1).describe('Text to replace; must occur exactly once in the file'),
  newText: z.string().describe('Replacement text'),
});

/**
 * Applies exact replacements in order. Each oldText must occur exactly once (in the text as
 * already edited), so an edit never lands somewhere the caller did not mean.
 */
export function applyEdits(original: string, edits: ReadonlyArray<z.infer<typeof editSchema>>): string {
  let text = original;
  edits.forEach(({ oldText, newText }, index) => {
    const at = text.indexOf(oldText);
    if (at === -1)
      throw new ValidationError(
        `edit ${index + 1}: oldText was not found; it must match the file exactly, whitespace included (read_text_file first)`,
      );
    if (text.indexOf(oldText, at + 1) !== -1)
      throw new ValidationError(
        `edit ${index + 1}: oldText occurs more than once; include surrounding lines to make it unique`,
      );
    text = text.slice(0, at) + newText + text.slice(at + oldText.length);
  });
  return text;
}

export const registerEditFileTool: RegisterTool = (server, deps) => {
  server.registerTool(
    'edit_file',
    {
      title: 'Edit file',
      description:
        'Replaces exact text in a file, edits applied in order; each oldText must occur exactly once. Returns a ' +
        'unified diff. With dryRun: true nothing is written (preview the diff first). All edits apply or none.',
      inputSchema: {
        path: pathSchema,
        edits: z.array(editSchema).min(1),
        dryRun: z.boolean().default(false).describe('Only return the diff'),
      },
      outputSchema: { path: z.string(), diff: z.string(), applied: z.boolean() },
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ path, edits, dryRun }) => {
      try {
        const { real } = await deps.guard.resolve(path, 'existing');
        const original = (await readLimited(deps.guard, real, path, deps.maxReadBytes)).toString('utf8');
        const edited = applyEdits(original, edits);
        const diff = createTwoFilesPatch(path, path, original, edited, 'original', 'modified');
        if (!dryRun) await atomicWrite(deps.guard, real, path, edited, deps.maxWriteBytes);
        return dataResult({ path, diff, applied: !dryRun });
      } catch (error) {
        return errorResult(error, 'edit_file', deps.logger);
      }
    },
  );
};
