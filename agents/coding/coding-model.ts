import { z } from 'zod';
import type { ChatMessage } from '#runtime/llm';
import { extractJson } from '../agent-steps.js';

/** How the coding agent asks a model for a change, and how it checks the answer. */

export const modelChangeSchema = z.object({
  files: z
    .array(z.object({ path: z.string().min(1).max(500), content: z.string().max(1_000_000) }))
    .min(1)
    .max(20),
  title: z.string().trim().min(1).max(200).optional(),
  summary: z.string().max(5000).optional(),
});
export type ModelChange = z.infer<typeof modelChangeSchema>;

export interface FileRead {
  path: string;
  /** Undefined when the file does not exist on the base branch. */
  content?: string;
  truncated?: boolean;
}

export function changeMessages(repo: string, request: string, files: FileRead[]): ChatMessage[] {
  const shown = files
    .map((f) =>
      f.content === undefined
        ? `### ${f.path}\n(does not exist yet)`
        : `### ${f.path}${f.truncated ? ' (truncated)' : ''}\n\`\`\`\n${f.content}\n\`\`\``,
    )
    .join('\n\n');
  return [
    {
      role: 'system',
      content:
        'You are a careful software engineer. You change files of a repository to fulfil a request. ' +
        'Answer with ONE JSON object and nothing else: {"files": [{"path": "...", "content": "the whole new file"}], ' +
        '"title": "a pull request title", "summary": "what you changed and why"}. Give each changed file whole.',
    },
    { role: 'user', content: `Repository: ${repo}\n\nRequest:\n${request}\n\nFiles:\n\n${shown}` },
  ];
}

/** The model's change when its answer is valid (paths safe and relative); otherwise why not. */
export function parseModelChange(text: string): { change: ModelChange } | { problem: string } {
  const parsed = modelChangeSchema.safeParse(extractJson(text));
  if (!parsed.success)
    return { problem: `the model's answer is not a valid change: ${parsed.error.message}` };
  const unsafe = parsed.data.files.find((f) => f.path.startsWith('/') || f.path.split('/').includes('..'));
  if (unsafe) return { problem: `the model named an unsafe path '${unsafe.path}'` };
  return { change: parsed.data };
}
