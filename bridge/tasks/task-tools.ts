import type { CallToolResult, Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { type ApiScope, DEFAULT_REDACTED_FIELDS } from '#runtime/config';
import { type Disclosure, discloseApproval, discloseEventData, disclosureFor } from '../access/disclosure.js';
import { hasScope } from '../access/caller.js';
import { fieldMatcher } from '../access/redact-arguments.js';
import type { CatalogCallOptions, LocalToolProvider } from '../catalog/catalog-entries.js';
import { toolErrorResult } from '../catalog/tool-call-failure.js';
import type { ApprovalRecord, RunEvent, RunRecord } from '#runtime/actors';
import { type ErrorCode, NotFoundError, SwitchyardError } from '#core';
import { agentOfTool, agentTools } from './agent-tools.js';
import { approvalElicitation, decisionOf, type ElicitedDecision } from './approval-elicitation.js';
import type { TaskService, TaskStatus } from './task-service.js';

export interface TaskToolsOptions {
  /** The provider's source name in the catalog. @defaultValue 'switchyard' */
  name?: string;
  /**
   * Field-name patterns redacted in the tool arguments that run events and approvals carry
   * (`api.redact`). @defaultValue DEFAULT_REDACTED_FIELDS
   */
  redact?: readonly string[];
  /** How long agents__run waits for the run to stop, unless the call asks for less. @defaultValue 600_000 */
  waitTimeoutMs?: number;
  /**
   * agents__run also reads new events from the store this often, for runs hosted by another
   * process (live events reach this process only for its own runs). @defaultValue 1_000
   */
  pollMs?: number;
}

const AGENT = z.string().describe('the agent to run, as GET /v1/agents or the agents list names it');
const INPUT = z.unknown().describe("the agent's input (its shape depends on the agent)");
const PRIORITY = z
  .int()
  .min(1)
  .max(2_097_151)
  .describe('1 is the highest priority; absent runs before any priority');
const IDEMPOTENCY_KEY = z
  .string()
  .min(1)
  .max(200)
  .describe('a second task with the same key is the same run, run once');
const RUN_ID = z
  .string()
  .min(1)
  .max(200)
  .describe('the run id (as agents__run or tasks__submit returned it)');
const REASON = z.string().max(2_000).describe('why, recorded with the decision');

const SubmitArgsSchema = z.strictObject({
  agent: AGENT,
  input: INPUT,
  priority: PRIORITY.optional(),
  idempotencyKey: IDEMPOTENCY_KEY.optional(),
});
const RunArgsSchema = SubmitArgsSchema.extend({
  waitMs: z
    .int()
    .min(1_000)
    .optional()
    .describe(
      'how long to wait for the run to stop before answering with its state (at most the bridge limit)',
    ),
});
const StatusArgsSchema = z.strictObject({
  runId: RUN_ID,
  afterSeq: z.int().min(0).optional().describe('only events after this sequence number (default: all)'),
});
const DecideArgsSchema = z.strictObject({ runId: RUN_ID, reason: REASON.optional() });

/** A run's wait ended for a person (approval) or for good. */
type Stopped = Pick<RunRecord, 'id' | 'status' | 'output' | 'error'>;

/**
 * Switchyard's own MCP tools, served by the bridge front next to the upstream servers' tools:
 *
 * - `agents__<name>` (./agent-tools.ts), one per agent, is `agents__run` for that agent: its
 *   arguments are the agent's input, its input schema the agent's.
 * - `agents__run` submits a task and waits until its run stops. Each run event is sent as an MCP
 *   progress notification (progress = the event's seq, message = a line describing it) when the
 *   client asked for progress; cancelling the call cancels the run (its in-flight tool call is
 *   cancelled upstream too). A run parked for approval answers at once, naming the run to approve.
 * - `tasks__submit` queues and answers `{runId, created}` at once; `tasks__status` reads a run.
 * - `runs__approve` / `runs__reject` decide a run's pending approval. They need the `admin` scope
 *   (the catalog checks it: a `call` key must not let a run do what its policy gates), and the
 *   decision names the caller (the key, or `stdio` for the local user of `switchyard mcp`).
 *
 * Tasks are requested by the caller too (`requestedBy`: the key's name).
 * Bad arguments, an unknown agent or run, and a run with no pending approval are `isError`
 * results naming what is wrong; any other failure is thrown (the front makes it a result too).
 */
export function createTaskTools(tasks: TaskService, options: TaskToolsOptions = {}): LocalToolProvider {
  const redact = fieldMatcher(options.redact ?? DEFAULT_REDACTED_FIELDS);
  // The caller's view of tool calls inside runs: arguments redacted; previews with `call` or more.
  const disclosure = (call: CatalogCallOptions): Disclosure =>
    disclosureFor(call.caller?.scopes ?? new Set(), redact);
  const { name = 'switchyard', waitTimeoutMs = 600_000, pollMs = 1_000 } = options;
  if (!(Number.isInteger(waitTimeoutMs) && waitTimeoutMs > 0))
    throw new RangeError(`waitTimeoutMs must be a positive integer, got ${waitTimeoutMs}`);
  if (!(Number.isInteger(pollMs) && pollMs > 0))
    throw new RangeError(`pollMs must be a positive integer, got ${pollMs}`);

  const tools: Tool[] = [
    {
      name: 'agents__run',
      title: 'Run an agent',
      description:
        'Runs a Switchyard agent and waits until it stops: answers with its output when it completes, ' +
        'or with the run id when it waits for a person to approve (then call runs__approve or runs__reject). ' +
        'Sends a progress notification per run event; cancelling the call cancels the run.',
      inputSchema: jsonSchema(RunArgsSchema),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    {
      name: 'tasks__submit',
      title: 'Submit an agent task',
      description:
        'Queues a run of a Switchyard agent and answers at once with its run id; follow it with tasks__status.',
      inputSchema: jsonSchema(SubmitArgsSchema),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    {
      name: 'tasks__status',
      title: 'Read a task',
      description:
        "A task's queue state, its run's status, result or error, cost, and its events (after afterSeq).",
      inputSchema: jsonSchema(StatusArgsSchema),
      annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
    },
    {
      name: 'runs__approve',
      title: 'Approve a waiting run',
      description: "Approves the run's pending approval; the run resumes.",
      inputSchema: jsonSchema(DecideArgsSchema),
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    {
      name: 'runs__reject',
      title: 'Reject a waiting run',
      description: "Rejects the run's pending approval; the run takes its rejected path.",
      inputSchema: jsonSchema(DecideArgsSchema),
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
  ];

  const submit = (args: z.infer<typeof SubmitArgsSchema>, call: CatalogCallOptions) =>
    tasks.submit(
      {
        agent: args.agent,
        input: args.input,
        ...(args.priority !== undefined ? { priority: args.priority } : {}),
        ...(args.idempotencyKey !== undefined ? { idempotencyKey: args.idempotencyKey } : {}),
      },
      actorOf(call),
    );

  async function run(args: z.infer<typeof RunArgsSchema>, call: CatalogCallOptions): Promise<CallToolResult> {
    const { runId, created } = await submit(args, call);
    const follower = followEvents(tasks, runId, call, pollMs);
    const deadline = Date.now() + Math.min(args.waitMs ?? waitTimeoutMs, waitTimeoutMs);
    try {
      for (;;) {
        let stopped: Stopped;
        try {
          stopped = await tasks.waitForStop(runId, Math.max(1, deadline - Date.now()), call.signal);
        } catch (error) {
          if (call.signal?.aborted) {
            // The client gave up on the call: the run it started must not go on without it.
            await tasks.cancel(runId, actorOf(call), 'the MCP client cancelled agents__run');
            throw error;
          }
          if (error instanceof SwitchyardError && error.code === 'timeout') {
            return result({ runId, created, status: 'running', note: waitNote(runId) }, false);
          }
          throw error;
        }
        // A run parked for approval is put to the person behind the client, when the client can
        // ask them and their key may decide; once decided, the run goes on and is waited for again.
        if (stopped.status === 'awaiting_approval' && (await askClientToDecide(runId, args.agent, call)))
          continue;
        await follower.flush();
        return await stopResult(tasks, stopped, created, disclosure(call));
      }
    } finally {
      follower.stop();
    }
  }

  /**
   * Puts the run's pending approval to the calling client as an elicitation and decides it with the
   * answer, as runs__approve would (admin scope, decided by the caller's name). True when the run
   * was decided — by this answer or by another front meanwhile, which withdraws the question —
   * and is worth waiting for again; false when it still waits for a person.
   */
  async function askClientToDecide(runId: string, agent: string, call: CatalogCallOptions): Promise<boolean> {
    if (!call.elicit || !hasScope(call.caller, 'admin')) return false;
    const [approval] = await tasks.listApprovals({ runId, state: 'pending' });
    if (!approval) return true; // decided between the stop and this read: wait again
    const decidedElsewhere = new AbortController();
    const stopWatching = watchUntilDecided(tasks, approval.id, runId, pollMs, decidedElsewhere);
    const withdraw = call.signal
      ? AbortSignal.any([call.signal, decidedElsewhere.signal])
      : decidedElsewhere.signal;
    let decision: ElicitedDecision | undefined;
    try {
      decision = decisionOf(await call.elicit(approvalElicitation(approval, agent), withdraw));
    } catch {
      if (decidedElsewhere.signal.aborted) return true;
      call.signal?.throwIfAborted();
      // A client that fails to ask (or to answer) leaves the approval to the other fronts.
      return false;
    } finally {
      stopWatching();
    }
    if (!decision) return false;
    const recorded = { decidedBy: actorOf(call), ...(decision.reason ? { reason: decision.reason } : {}) };
    try {
      if (decision.approved) await tasks.approve(runId, recorded);
      else await tasks.reject(runId, recorded);
    } catch (error) {
      // Another front decided first: the run goes on all the same.
      if (!(error instanceof SwitchyardError && error.code === 'run_state_invalid')) throw error;
    }
    return true;
  }

  return {
    name,
    // Agents are read at each listing: a definition loaded later shows up with the next list.
    listTools: () => [...tools, ...agentTools(tasks.listAgents())],
    scopeOf: (tool) => SCOPES[tool] ?? 'call',
    async callTool(tool, raw, call) {
      try {
        switch (tool) {
          case 'agents__run':
            return await run(parseArgs(RunArgsSchema, raw), call);
          case 'tasks__submit': {
            const submitted = await submit(parseArgs(SubmitArgsSchema, raw), call);
            return result({ ...submitted, status: 'queued' }, false);
          }
          case 'tasks__status': {
            const args = parseArgs(StatusArgsSchema, raw);
            const status = await tasks.status(args.runId, { ...pick(args, 'afterSeq') });
            return result(statusView(status, disclosure(call)), false);
          }
          case 'runs__approve':
          case 'runs__reject': {
            const args = parseArgs(DecideArgsSchema, raw);
            const decision = { decidedBy: actorOf(call), ...pick(args, 'reason') };
            const record =
              tool === 'runs__approve'
                ? await tasks.approve(args.runId, decision)
                : await tasks.reject(args.runId, decision);
            return result(approvalView(record, disclosure(call)), false);
          }
          default: {
            // agents__<name>: agents__run for that agent, the arguments being its input.
            const agent = agentOfTool(tool, tasks.listAgents());
            if (!agent) throw new NotFoundError('tool', tool);
            return await run({ agent: agent.name, input: raw }, call);
          }
        }
      } catch (error) {
        // A model can act on these: a wrong argument, an unknown agent or run, nothing to approve.
        // They answer with their code (as REST does for the same failure); the rest go to the
        // front that called, which answers them in its own way with the same code.
        if (error instanceof SwitchyardError && TOOL_ERROR_CODES.has(error.code)) {
          const details = { ...error.details };
          return toolErrorResult(
            { code: error.code, message: await explain(tasks, error), details },
            { structured: true },
          );
        }
        throw error;
      }
    },
  };
}

/** What each tool needs of its caller beyond `call`; the catalog checks it before callTool. */
const SCOPES: Readonly<Record<string, ApiScope>> = {
  tasks__status: 'read',
  runs__approve: 'admin',
  runs__reject: 'admin',
};

/** The names of these tools: an agent never sees them unless its policy names them one by one. */
export const TASK_TOOL_NAMES = [
  'agents__run',
  'tasks__submit',
  'tasks__status',
  'runs__approve',
  'runs__reject',
] as const;

/** Tools no agent may call, whatever its policy says: a run cannot approve runs. */
export const DECISION_TOOL_NAMES: ReadonlySet<string> = new Set(['runs__approve', 'runs__reject']);

/**
 * Who the record names. The catalog refused a call without a caller already for the tools that
 * need more than `call`; a caller-less call here (a test, a local composition) is `unknown`.
 */
function actorOf(call: CatalogCallOptions): string {
  return call.caller?.name ?? 'unknown';
}

const TOOL_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'validation_failed',
  'not_found',
  'run_state_invalid',
  'task_failed',
]);

/** One line for a run event: `state_entered gate`, `tool_call_started counter_add`. */
export function describeRunEvent(event: { type: string; data: Record<string, unknown> }): string {
  const { data } = event;
  const detail =
    data.state !== undefined
      ? stateText(data.state)
      : typeof data.tool === 'string'
        ? data.tool
        : typeof data.what === 'string'
          ? data.what
          : isErrorPayload(data.error)
            ? data.error.message
            : undefined;
  const failed = data.isError === true ? ' (error)' : '';
  return detail ? `${event.type} ${detail}${failed}` : `${event.type}${failed}`;
}

/** The wire view of a task, the same as `GET /v1/tasks/{id}` answers. */
export function statusView(status: TaskStatus, disclosure: Disclosure): Record<string, unknown> {
  const { run, task } = status;
  return {
    runId: status.runId,
    state: task?.state ?? null,
    status: run?.status ?? null,
    result: run?.output ?? null,
    error: run?.error ?? (task?.failedReason ? { code: 'task_failed', message: task.failedReason } : null),
    cost: run?.usage ?? null,
    events: status.events.map((event) => ({
      seq: event.seq,
      type: event.type,
      data: discloseEventData(event.data, disclosure),
      at: event.at.toISOString(),
    })),
  };
}

function approvalView(record: ApprovalRecord, disclosure: Disclosure): Record<string, unknown> {
  return JSON.parse(JSON.stringify(discloseApproval(record, disclosure))) as Record<string, unknown>;
}

/** Sends run events as progress notifications, each once and in seq order; no-op without onprogress. */
function followEvents(
  tasks: TaskService,
  runId: string,
  call: CatalogCallOptions,
  pollMs: number,
): { flush(): Promise<void>; stop(): void } {
  const send = call.onprogress;
  if (!send) return { flush: async () => undefined, stop: () => undefined };
  let last = 0;
  let stopped = false;
  const emit = (event: Pick<RunEvent, 'seq' | 'type' | 'data'>) => {
    // Progress must grow with each notification: an event already covered is dropped.
    if (stopped || event.seq <= last) return;
    last = event.seq;
    send({ progress: event.seq, message: describeRunEvent(event) });
  };
  // Live events are held until the store's backlog went out, so the order stays seq order.
  let held: Array<Pick<RunEvent, 'seq' | 'type' | 'data'>> | undefined = [];
  const unsubscribe = tasks.subscribe(
    (event) => {
      if (held) held.push(event);
      else emit(event);
    },
    { runId },
  );
  let reading: Promise<void> = Promise.resolve();
  const readStore = (): Promise<void> =>
    (reading = reading.then(async () => {
      if (stopped) return;
      // Progress is best effort: a read that fails is tried again at the next poll, and the
      // call's answer does not depend on it. So this promise chain never rejects.
      const { events } = await tasks
        .status(runId, { afterSeq: last })
        .catch(() => ({ events: [] as RunEvent[] }));
      for (const event of events) emit(event);
      if (held) {
        const backlog = held;
        held = undefined;
        for (const event of backlog) emit(event);
      }
    }));
  void readStore();
  const timer = setInterval(() => void readStore(), pollMs);
  timer.unref?.();
  return {
    flush: () => readStore(),
    stop: () => {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
    },
  };
}

async function stopResult(
  tasks: TaskService,
  run: Stopped,
  created: boolean,
  disclosure: Disclosure,
): Promise<CallToolResult> {
  const base = { runId: run.id, created, status: run.status };
  switch (run.status) {
    case 'completed':
      return result({ ...base, result: run.output ?? null }, false);
    case 'awaiting_approval': {
      const [approval] = await tasks.listApprovals({ runId: run.id, state: 'pending' });
      const what = approval ? `: ${approval.what} (${approval.why})` : '';
      return result(
        {
          ...base,
          ...(approval ? { approval: approvalView(approval, disclosure) } : {}),
          note: `run ${run.id} waits for approval${what}. Call runs__approve or runs__reject with {"runId": "${run.id}"}.`,
        },
        false,
      );
    }
    case 'needs_attention':
      return result({ ...base, note: `run ${run.id} stopped and needs attention from an operator` }, false);
    default:
      return result({ ...base, error: run.error ?? null }, true);
  }
}

function waitNote(runId: string): string {
  return `run ${runId} is still running; follow it with tasks__status {"runId": "${runId}"}`;
}

/** A JSON answer: the JSON as text (for older clients) and as structuredContent. */
function result(value: Record<string, unknown>, isError: boolean): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
    structuredContent: value,
    ...(isError ? { isError: true } : {}),
  };
}

/** An unknown agent's message lists the agents there are, so a model can pick one. */
async function explain(tasks: TaskService, error: SwitchyardError): Promise<string> {
  if (error.code === 'not_found' && error.details.kind === 'agent') {
    const names = tasks.listAgents().map((agent) => agent.name);
    return `${error.message}; the agents are: ${names.join(', ') || '(none)'}`;
  }
  return error.message;
}

function parseArgs<T>(schema: z.ZodType<T>, raw: Record<string, unknown>): T {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys.join(',')] : issue.path;
    return `${path.map(String).join('.') || '(arguments)'}: ${issue.message}`;
  });
  throw new SwitchyardError('validation_failed', `invalid arguments: ${issues.join('; ')}`);
}

function jsonSchema(schema: z.ZodType): Tool['inputSchema'] {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { ...rest, type: 'object' } as Tool['inputSchema'];
}

function pick<T extends object, K extends keyof T>(value: T, key: K): Partial<Pick<T, K>> {
  return value[key] === undefined ? {} : ({ [key]: value[key] } as Partial<Pick<T, K>>);
}

function stateText(state: unknown): string {
  return typeof state === 'string' ? state : JSON.stringify(state);
}

function isErrorPayload(value: unknown): value is { message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/**
 * Polls until approval `approvalId` of `runId` is no longer pending (decided elsewhere, or expired)
 * and then aborts `decided`. Returns the function that stops polling.
 */
function watchUntilDecided(
  tasks: TaskService,
  approvalId: string,
  runId: string,
  pollMs: number,
  decided: AbortController,
): () => void {
  const timer = setInterval(() => {
    tasks
      .listApprovals({ runId, state: 'pending' })
      .then((pending) => {
        if (!pending.some((approval) => approval.id === approvalId)) decided.abort();
      })
      // A failed read is tried again at the next poll.
      .catch(() => undefined);
  }, pollMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
