import { z } from 'zod';
import { ValidationError } from '#core';
import type { ChatMessage } from '#runtime/llm';

/**
 * A tool-agent run's input: a task in one line of prose, or a conversation so far (user and
 * assistant turns, ending with the user's). Either becomes the messages after the system prompt.
 */
export const ToolAgentInputSchema = z.union([
  z.strictObject({ task: z.string().min(1).max(100_000) }),
  z.strictObject({
    messages: z
      .array(z.strictObject({ role: z.enum(['user', 'assistant']), content: z.string().min(1).max(100_000) }))
      .min(1)
      .max(100)
      .refine((m) => m.at(-1)?.role === 'user', { message: 'the last message must be the user’s' }),
  }),
]);
export type ToolAgentInput = z.output<typeof ToolAgentInputSchema>;

/**
 * A refused input, said as what a run takes: a union reports "no match", so the field named is
 * the deepest one of the first branch rather than the union's own.
 */
export function toolAgentInputError(error: z.ZodError): ValidationError {
  const issue = error.issues[0]!;
  const nested = issue.code === 'invalid_union' ? issue.errors.flat()[0] : undefined;
  const field = (nested?.path ?? issue.path).map(String).join('.') || '(input)';
  return new ValidationError(
    `tool-agent input: expected { task: string } or { messages: [{ role, content }] } (${field}: ${nested?.message ?? issue.message})`,
    { field },
  );
}

/** @throws ValidationError naming the bad field. */
export function parseToolAgentInput(input: unknown): ToolAgentInput {
  const parsed = ToolAgentInputSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw toolAgentInputError(parsed.error);
}

/** The messages a run starts from, after the system prompt. */
export function promptOf(input: ToolAgentInput): ChatMessage[] {
  return 'task' in input ? [{ role: 'user', content: input.task }] : input.messages.map((m) => ({ ...m }));
}
