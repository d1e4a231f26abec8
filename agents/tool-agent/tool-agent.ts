import type { CallToolResult } from '@modelcontextprotocol/server';
import picomatch from 'picomatch';
import { assign, fromPromise, setup } from 'xstate';
import {
  type ApprovalOutcome,
  defineAgent,
  unprovidedAction,
  unprovidedActor,
  unprovidedGuard,
} from '#runtime/actors';
import type { ChatMessage, ChatResponse, ToolCallRequest } from '#runtime/llm';
import { compactTranscript, countCalls, findRepeat, trackProgress, truncate } from './loop-guards.js';
import {
  promptOf,
  type ToolAgentInput,
  toolAgentInputError,
  ToolAgentInputSchema,
} from './tool-agent-input.js';
import type { ToolAgentSpec } from './tool-agent-spec.js';

/**
 * The generic LLM tool-use loop as a statechart:
 *
 *   starting ─(no model)→ failed
 *      └→ thinking ─(model answers)→ done
 *            │ └─(model error)→ failed
 *            └─(tool calls)→ [deciding] ─(same call past maxRepeats)→ failed
 *                                 ├─(a call needs approval)→ awaiting_approval → acting
 *                                 └→ acting ─(all calls of the turn, in parallel)→ observing
 *   observing ─(no new observation in noProgressSteps steps)→ failed
 *             ─(maxSteps model turns made)→ failed
 *             └→ thinking
 *
 * Approval is the explicit `awaiting_approval` state (one approval per turn, covering every call of
 * the turn that matches `tools.requireApproval`), so the definition's policy gates nothing itself:
 * were `policy.approvalTools` set too, services.callTool would ask a second time for the same call.
 * A gate an operator adds through config (`policies.<agent>.approvalTools`) is still enforced by
 * services.callTool, and a call it covers is left to that gate rather than asked for twice.
 * A rejected call becomes a tool error the model sees, so it can adapt; the loop goes on.
 */

/** Most characters of one tool result kept in the transcript (the full result is in the effects journal). */
export const MAX_OBSERVATION_CHARS = 4_096;
/** Most characters of the model's own text kept per turn. */
const MAX_ASSISTANT_CHARS = 8_192;

interface PlannedCall extends ToolCallRequest {
  /** Waits for the turn's approval. */
  gated: boolean;
}

/** A call of the turn as the act actor runs it: journal key, and why not, for a rejected one. */
interface PlannedRun {
  key: string;
  id: string;
  name: string;
  arguments: Record<string, unknown>;
  rejected?: string;
}

interface Observation {
  id: string;
  name: string;
  content: string;
  isError: boolean;
}

interface ToolAgentContext {
  prompt: ChatMessage[];
  /** Assistant turns and (truncated) tool results, in order. */
  transcript: ChatMessage[];
  /** Model turns made. */
  turn: number;
  /** The tool calls of the current turn. */
  planned: PlannedCall[];
  /** Call id → why it did not run (an approval said no). */
  rejections: Record<string, string>;
  /** Call signature → times called: the repeat guard. */
  callCounts: Record<string, number>;
  /** Digests of observations seen: the progress guard. */
  seen: string[];
  stalledSteps: number;
  toolCalls: number;
  usage: { inputTokens: number; outputTokens: number; costUsd: number };
  answer?: string;
  error?: { code: string; message: string };
}

export interface ToolAgentOutput {
  answer: string;
  /** Model turns the run took. */
  steps: number;
  toolCalls: number;
  usage: ToolAgentContext['usage'];
}

/** Builds the agent a spec describes (see the statechart above). */
export function createToolAgent(spec: ToolAgentSpec) {
  const needsApproval =
    spec.tools.requireApproval.length > 0 ? picomatch(spec.tools.requireApproval) : () => false;
  return defineAgent({
    name: spec.name,
    description: spec.description,
    capabilities: spec.capabilities,
    // Bump when the statechart or its context changes shape (persisted snapshots restore only into the same version).
    version: '1',
    ...(spec.model !== undefined ? { model: spec.model } : {}),
    policy: {
      allowTools: spec.tools.allow,
      approvalTools: [],
      limits: {
        // The runtime counts settled transitions (about three per turn); the spec counts turns.
        maxSteps: spec.maxSteps * 6 + 10,
        ...(spec.budget.maxToolCalls !== undefined ? { maxToolCalls: spec.budget.maxToolCalls } : {}),
        ...(spec.budget.maxTokens !== undefined ? { maxTokens: spec.budget.maxTokens } : {}),
        ...(spec.budget.maxCostUsd !== undefined ? { maxCostUsd: spec.budget.maxCostUsd } : {}),
        ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
      },
    },
    input: ToolAgentInputSchema,
    inputError: toolAgentInputError,
    // Built from the spec alone, once per definition file; a run's services are provided below.
    machine: toolAgentMachine(spec),
    provide: (services) => {
      // The transcript is persisted twice (context, and the model call's input): keep both in budget.
      const transcriptBytes = Math.floor(services.policy.snapshotBudgetBytes / 3);
      return {
        guards: { modelMissing: () => !services.hasModel },
        actions: {
          gateCalls: assign({
            planned: ({ context }: { context: ToolAgentContext }) =>
              context.planned.map((call) => ({
                ...call,
                gated: needsApproval(call.name) && !services.requiresApproval(call.name),
              })),
          }),
          compactTranscript: assign({
            transcript: ({ context }: { context: ToolAgentContext }) =>
              compactTranscript(context.transcript, transcriptBytes),
          }),
        },
        actors: {
          think: fromPromise(
            async ({ input }: { input: { key: string; messages: ChatMessage[] } }): Promise<ChatResponse> =>
              services.chat(input.key, {
                messages: input.messages,
                tools: services.listTools().map((tool) => ({
                  name: tool.name,
                  ...(tool.description ? { description: tool.description } : {}),
                  inputSchema: tool.inputSchema as Record<string, unknown>,
                })),
              }),
          ),
          approve: fromPromise(
            async ({
              input,
            }: {
              input: { key: string; calls: Array<{ name: string; arguments: Record<string, unknown> }> };
            }): Promise<ApprovalOutcome> =>
              services.requestApproval(input.key, {
                what: `call ${[...new Set(input.calls.map((c) => c.name))].join(', ')}`,
                why: `the agent's tools.requireApproval (${spec.tools.requireApproval.join(', ')}) covers these calls`,
                details: { calls: input.calls },
              }),
          ),
          act: fromPromise(
            async ({
              input,
              signal,
            }: {
              input: {
                calls: Array<{
                  key: string;
                  id: string;
                  name: string;
                  arguments: Record<string, unknown>;
                  rejected?: string;
                }>;
              };
              signal: AbortSignal;
            }): Promise<Observation[]> =>
              // Every call of the turn at once; each settles to an observation, errors included.
              Promise.all(
                input.calls.map(async (call): Promise<Observation> => {
                  if (call.rejected !== undefined)
                    return { id: call.id, name: call.name, content: call.rejected, isError: true };
                  try {
                    const result = await services.callTool(call.key, call.name, call.arguments, { signal });
                    return {
                      id: call.id,
                      name: call.name,
                      content: truncate(
                        textOf(result),
                        MAX_OBSERVATION_CHARS,
                        `the effects journal (${call.key})`,
                      ),
                      isError: result.isError === true,
                    };
                  } catch (error) {
                    if (stopsTheRun(error)) throw error;
                    return {
                      id: call.id,
                      name: call.name,
                      content: `The call of ${call.name} failed: ${error instanceof Error ? error.message : String(error)}`,
                      isError: true,
                    };
                  }
                }),
              ),
          ),
        },
      };
    },
  });
}

/** The statechart of one spec; what it needs of a run's services is stood in for until provided. */
function toolAgentMachine(spec: ToolAgentSpec) {
  const failure = (code: string, message: string) => ({ error: { code, message } });

  return setup({
    types: {} as {
      context: ToolAgentContext;
      input: ToolAgentInput;
      output: ToolAgentOutput | { error: ToolAgentContext['error'] };
    },
    actors: {
      think: unprovidedActor<ChatResponse, { key: string; messages: ChatMessage[] }>(spec.name, 'think'),
      approve: unprovidedActor<
        ApprovalOutcome,
        { key: string; calls: Array<{ name: string; arguments: Record<string, unknown> }> }
      >(spec.name, 'approve'),
      act: unprovidedActor<Observation[], { calls: PlannedRun[] }>(spec.name, 'act'),
    },
    guards: { modelMissing: unprovidedGuard(spec.name, 'modelMissing') },
    actions: {
      gateCalls: unprovidedAction(spec.name, 'gateCalls'),
      compactTranscript: unprovidedAction(spec.name, 'compactTranscript'),
    },
  }).createMachine({
    id: spec.name,
    context: ({ input }) => ({
      prompt: promptOf(input),
      transcript: [],
      turn: 0,
      planned: [],
      rejections: {},
      callCounts: {},
      seen: [],
      stalledSteps: 0,
      toolCalls: 0,
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0 },
    }),
    initial: 'starting',
    states: {
      starting: {
        always: [
          {
            guard: 'modelMissing',
            target: 'failed',
            actions: assign(
              failure(
                'model_not_configured',
                `agent '${spec.name}' needs a model: set llm.models${spec.model ? `.${spec.model}` : ' and llm.default'} in the config`,
              ),
            ),
          },
          { target: 'thinking' },
        ],
      },
      thinking: {
        invoke: {
          src: 'think',
          input: ({ context }) => ({
            key: `turn-${context.turn + 1}`,
            messages: [
              { role: 'system' as const, content: spec.systemPrompt },
              ...context.prompt,
              ...context.transcript,
            ],
          }),
          onDone: {
            target: 'deciding',
            actions: [
              assign(({ context, event }) => {
                const { message, usage, costUsd } = event.output;
                const calls = message.toolCalls ?? [];
                return {
                  turn: context.turn + 1,
                  transcript: [
                    ...context.transcript,
                    {
                      role: 'assistant' as const,
                      content: truncate(message.content, MAX_ASSISTANT_CHARS),
                      ...(calls.length > 0 ? { toolCalls: calls } : {}),
                    },
                  ],
                  // Which calls wait for the approval is decided by gateCalls, next.
                  planned: calls.map((call) => ({ ...call, gated: false })),
                  rejections: {},
                  usage: {
                    inputTokens: context.usage.inputTokens + usage.inputTokens,
                    outputTokens: context.usage.outputTokens + usage.outputTokens,
                    costUsd: context.usage.costUsd + (costUsd ?? 0),
                  },
                  ...(calls.length === 0 ? { answer: message.content } : {}),
                };
              }),
              'gateCalls',
            ],
          },
          onError: {
            target: 'failed',
            actions: assign({ error: ({ event }) => errorOf(event.error, 'model_failed') }),
          },
        },
      },
      // Transient: its `always` runs in the same macrostep, so no snapshot ever shows it.
      deciding: {
        always: [
          { guard: ({ context }) => context.planned.length === 0, target: 'done' },
          {
            guard: ({ context }) =>
              findRepeat(context.callCounts, context.planned, spec.loopGuard.maxRepeats) !== undefined,
            target: 'failed',
            actions: assign({
              error: ({ context }) => {
                const repeat = findRepeat(context.callCounts, context.planned, spec.loopGuard.maxRepeats)!;
                return {
                  code: 'tool_loop_detected',
                  message: `the model asked for ${repeat.name} with the same arguments ${repeat.times} times (loopGuard.maxRepeats ${spec.loopGuard.maxRepeats})`,
                };
              },
            }),
          },
          { guard: ({ context }) => context.planned.some((c) => c.gated), target: 'awaiting_approval' },
          { target: 'acting' },
        ],
      },
      awaiting_approval: {
        tags: ['awaiting_approval'],
        invoke: {
          src: 'approve',
          input: ({ context }) => ({
            key: `turn-${context.turn}/approval`,
            calls: context.planned
              .filter((c) => c.gated)
              .map((c) => ({ name: c.name, arguments: c.arguments })),
          }),
          onDone: {
            target: 'acting',
            actions: assign({
              rejections: ({ context, event }) => {
                if (event.output.state === 'approved') return {};
                const why = rejectionText(event.output);
                return Object.fromEntries(
                  context.planned
                    .filter((c) => c.gated)
                    .map((c) => [c.id, `The call of ${c.name} was not run: ${why}.`]),
                );
              },
            }),
          },
          onError: {
            target: 'failed',
            actions: assign({ error: ({ event }) => errorOf(event.error, 'approval_failed') }),
          },
        },
      },
      acting: {
        invoke: {
          src: 'act',
          input: ({ context }) => ({
            calls: context.planned.map((call, i) => ({
              key: `turn-${context.turn}/call-${i}`,
              id: call.id,
              name: call.name,
              arguments: call.arguments,
              ...(context.rejections[call.id] !== undefined ? { rejected: context.rejections[call.id] } : {}),
            })),
          }),
          onDone: {
            target: 'observing',
            actions: [
              assign(({ context, event }) => {
                const observations = event.output;
                const progress = trackProgress(context.seen, context.stalledSteps, observations);
                const toolMessages: ChatMessage[] = observations.map((o) => ({
                  role: 'tool',
                  toolCallId: o.id,
                  name: o.name,
                  content: o.content,
                  ...(o.isError ? { isError: true } : {}),
                }));
                return {
                  // Kept within the snapshot budget by compactTranscript, next.
                  transcript: [...context.transcript, ...toolMessages],
                  callCounts: countCalls(context.callCounts, context.planned),
                  toolCalls:
                    context.toolCalls + context.planned.length - Object.keys(context.rejections).length,
                  seen: progress.seen,
                  stalledSteps: progress.stalledSteps,
                  planned: [],
                  rejections: {},
                };
              }),
              'compactTranscript',
            ],
          },
          onError: {
            target: 'failed',
            actions: assign({ error: ({ event }) => errorOf(event.error, 'tool_failed') }),
          },
        },
      },
      // Transient, like deciding: checks the guards that need this step's observations.
      observing: {
        always: [
          {
            guard: ({ context }) => context.stalledSteps >= spec.loopGuard.noProgressSteps,
            target: 'failed',
            actions: assign(
              failure(
                'no_progress',
                `${spec.loopGuard.noProgressSteps} steps in a row brought no new observation (loopGuard.noProgressSteps)`,
              ),
            ),
          },
          {
            guard: ({ context }) => context.turn >= spec.maxSteps,
            target: 'failed',
            actions: assign(
              failure(
                'max_steps_exceeded',
                `the model made ${spec.maxSteps} turns (maxSteps) without giving an answer`,
              ),
            ),
          },
          { target: 'thinking' },
        ],
      },
      done: { type: 'final' },
      failed: { type: 'final', tags: ['failed'] },
    },
    output: ({ context }) =>
      context.error
        ? { error: context.error }
        : {
            answer: context.answer ?? '',
            steps: context.turn,
            toolCalls: context.toolCalls,
            usage: context.usage,
          },
  });
}

/** A tool result as the text the model reads. */
function textOf(result: CallToolResult): string {
  const parts = (result.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type} content]`));
  if (parts.length === 0 && result.structuredContent !== undefined)
    return JSON.stringify(result.structuredContent);
  return parts.join('\n');
}

/** Errors that end the run rather than become an observation: it was stopped, or went over a limit. */
function stopsTheRun(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    error.name === 'AbortError' ||
    code === 'effect_outcome_unknown' ||
    code === 'run_limit_exceeded' ||
    code === 'run_cancelled'
  );
}

function errorOf(error: unknown, fallback: string): { code: string; message: string } {
  const code = (error as { code?: unknown } | undefined)?.code;
  return {
    code: typeof code === 'string' && code !== 'internal' ? code : fallback,
    message: error instanceof Error ? error.message : String(error),
  };
}

function rejectionText(outcome: ApprovalOutcome): string {
  if (outcome.state === 'expired') return 'its approval expired';
  return `rejected${outcome.decidedBy ? ` by ${outcome.decidedBy}` : ''}${outcome.reason ? `: ${outcome.reason}` : ''}`;
}
