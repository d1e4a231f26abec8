import { z } from 'zod';
import { firstInputIssue } from '#runtime/actors';
import { ValidationError } from '#core';

/**
 * The declarative definition of a tool-agent: who it is, what it may call, and the limits that
 * stop its loop. Loaded from JSON/YAML files by the composition root; {@link parseToolAgentSpec}
 * names the file and the field that is wrong.
 */

const glob = z.string().min(1, 'expected a glob over catalog tool names, such as crm__*');

export const ToolAgentSpecSchema = z.strictObject({
  /** Unique among agents: `[a-z0-9-]`. */
  name: z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, 'expected 1-64 characters of a-z, 0-9 and -, such as crm-helper'),
  description: z.string().min(1),
  /** For listings (`crm.read`, `memory.write`). @defaultValue [] */
  capabilities: z.array(z.string().min(1)).default([]),
  /** The system message of every model call. */
  systemPrompt: z.string().min(1),
  /** A key of `llm.models`. @defaultValue `llm.default` */
  model: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected a model name of letters, digits, _ . -')
    .optional(),
  tools: z
    .strictObject({
      /** Globs over catalog names the agent may call. @defaultValue none */
      allow: z.array(glob).default([]),
      /** Globs of tools whose calls wait for a person's approval. @defaultValue none */
      requireApproval: z.array(glob).default([]),
    })
    .prefault({}),
  /** The most model turns (each: think, then act on its tool calls). @defaultValue 20 */
  maxSteps: z.int().min(1).max(500).default(20),
  budget: z
    .strictObject({
      /** Input + output tokens over all model calls. @defaultValue unlimited */
      maxTokens: z.int().min(1).optional(),
      /** @defaultValue unlimited */
      maxCostUsd: z.number().positive().optional(),
      /** @defaultValue 100 */
      maxToolCalls: z.int().min(1).optional(),
    })
    .prefault({}),
  loopGuard: z
    .strictObject({
      /** Times the same tool with the same arguments may be called in a run. @defaultValue 2 */
      maxRepeats: z.int().min(1).default(2),
      /** Consecutive steps without a new observation before the run fails. @defaultValue 3 */
      noProgressSteps: z.int().min(1).default(3),
    })
    .prefault({}),
  /** Wall time of a run, across restarts. @defaultValue the runtime's (30 minutes) */
  timeoutMs: z.int().min(1_000).optional(),
});

export type ToolAgentSpec = z.output<typeof ToolAgentSpecSchema>;
export type ToolAgentSpecInput = z.input<typeof ToolAgentSpecSchema>;

/**
 * Validates a tool-agent spec.
 *
 * @param source Where the value came from (a file path), for the error message.
 * @throws ValidationError naming the source and the first bad field (`tools.allow.0`).
 */
export function parseToolAgentSpec(value: unknown, source: string): ToolAgentSpec {
  const parsed = ToolAgentSpecSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, message } = firstInputIssue(parsed.error, '(root)');
  throw new ValidationError(`${source}: tool-agent spec field '${field}': ${message}`, {
    source,
    field,
    issues: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
  });
}
