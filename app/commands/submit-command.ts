import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { describeRunEvent } from '#bridge/tasks';
import {
  addApiOptions,
  type ApiClient,
  type ApiCommandOptions,
  apiClientFor,
  oneLine,
} from './api-client.js';

/** What `POST /v1/tasks` answers (202). */
export const SubmitReplySchema = z.looseObject({
  runId: z.string(),
  created: z.boolean(),
  status: z.string(),
});

const EventSchema = z.looseObject({
  seq: z.number(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()).default({}),
  at: z.union([z.string(), z.number()]).optional(),
});

/** What `GET /v1/tasks/{id}` answers: the queue's state, the run's status, and events after `afterSeq`. */
export const TaskReplySchema = z.looseObject({
  runId: z.string(),
  state: z.string().nullish(),
  status: z.string().nullish(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
  cost: z.unknown().optional(),
  events: z.array(EventSchema).default([]),
});

export type TaskReply = z.infer<typeof TaskReplySchema>;
export type TaskEvent = TaskReply['events'][number];

/** Run statuses after which `--wait` stops following: final, or parked for a person. */
const STOP_STATUSES = new Set(['completed', 'failed', 'cancelled', 'awaiting_approval', 'needs_attention']);

/**
 * Exit codes of `switchyard submit --wait`: 0 the run completed, 3 it waits for approval
 * (`switchyard approve <run>`), 1 it failed, was cancelled, needs attention, or the task failed
 * before a run started.
 */
export const EXIT_COMPLETED = 0;
export const EXIT_AWAITING_APPROVAL = 3;
export const EXIT_FAILED = 1;

interface SubmitOptions extends ApiCommandOptions {
  input: unknown;
  priority?: number;
  idempotencyKey?: string;
  wait?: boolean;
  poll: number;
}

/**
 * `switchyard submit <agent> [--input '<json>'] [--priority N] [--idempotency-key K] [--wait]`:
 * queues a task on a running bridge. Without --wait it prints `{runId, created, status}`. With
 * --wait it prints each run event as a line on stderr while the run goes on, then the final
 * `{runId, status, result, error}` as JSON on stdout; exit codes as {@link exitCodeFor}.
 * Interrupting --wait stops following, not the run.
 */
export function registerSubmitCommand(program: Command): void {
  addApiOptions(
    program
      .command('submit')
      .description('submit an agent task to a running bridge (switchyard start); --wait follows the run')
      .argument('<agent>', 'the agent to run (switchyard agents lists them)')
      .option('--input <json>', "the agent's input, as JSON", parseJsonInput, {})
      .option('--priority <n>', '1 is the highest; tasks without a priority run first', priorityNumber)
      .option('--idempotency-key <key>', 'a second task with the same key is the same run')
      .option(
        '--wait',
        'follow the run: events on stderr, the result on stdout (exit 0 completed, 3 awaiting approval, 1 failed)',
      )
      .option('--poll <ms>', 'with --wait, how often to ask for new events', pollInterval, 500),
    30_000,
  ).action(async (agent: string, options: SubmitOptions, command: Command) => {
    const client = apiClientFor(command, options);
    const submitted = await client.post('/v1/tasks', buildTaskSpec(agent, options), SubmitReplySchema);
    if (!options.wait) {
      process.stdout.write(`${JSON.stringify(submitted, null, 2)}\n`);
      return;
    }
    process.stderr.write(`${submitted.created ? 'submitted' : 'already submitted'} run ${submitted.runId}\n`);
    const final = await followTask(client, submitted.runId, {
      pollMs: options.poll,
      onEvent: (event) => process.stderr.write(formatEventLine(event)),
    });
    process.stdout.write(`${JSON.stringify(finalView(final), null, 2)}\n`);
    const code = exitCodeFor(final);
    if (code === EXIT_AWAITING_APPROVAL)
      process.stderr.write(`run ${final.runId} waits for approval: switchyard approve ${final.runId}\n`);
    process.exitCode = code;
  });
}

/** The `POST /v1/tasks` body for the command's arguments; absent options stay absent. */
export function buildTaskSpec(
  agent: string,
  options: { input: unknown; priority?: number; idempotencyKey?: string },
): Record<string, unknown> {
  return {
    agent,
    input: options.input,
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
  };
}

export interface FollowOptions {
  /** The wait between two polls. */
  pollMs: number;
  /** Called once per event, in seq order. */
  onEvent(event: TaskEvent): void;
  /** @defaultValue a timer */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Polls `GET /v1/tasks/{id}?afterSeq=` until the run stops (or the task failed before a run
 * started), handing each new event to `onEvent` once; resolves with the last answer.
 */
export async function followTask(
  client: ApiClient,
  runId: string,
  options: FollowOptions,
): Promise<TaskReply> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let last = 0;
  for (;;) {
    const reply = await client.get(
      `/v1/tasks/${encodeURIComponent(runId)}?afterSeq=${last}`,
      TaskReplySchema,
    );
    for (const event of reply.events) {
      // A bridge that ignores afterSeq must not make a line print twice.
      if (event.seq <= last) continue;
      last = event.seq;
      options.onEvent(event);
    }
    if (isStopped(reply)) return reply;
    await sleep(options.pollMs);
  }
}

/** Whether `--wait` is done: the run stopped, or the task failed without a run. */
export function isStopped(reply: Pick<TaskReply, 'state' | 'status'>): boolean {
  if (reply.status) return STOP_STATUSES.has(reply.status);
  return reply.state === 'failed';
}

/** See {@link EXIT_COMPLETED}. */
export function exitCodeFor(reply: Pick<TaskReply, 'status'>): number {
  if (reply.status === 'completed') return EXIT_COMPLETED;
  if (reply.status === 'awaiting_approval') return EXIT_AWAITING_APPROVAL;
  return EXIT_FAILED;
}

/** One progress line: `  #4 tool_call_started counter_add`. */
export function formatEventLine(event: Pick<TaskEvent, 'seq' | 'type' | 'data'>): string {
  return `  #${event.seq} ${oneLine(describeRunEvent(event), 160)}\n`;
}

/** What --wait prints on stdout at the end. */
export function finalView(reply: TaskReply): Record<string, unknown> {
  return {
    runId: reply.runId,
    status: reply.status ?? reply.state ?? null,
    result: reply.result ?? null,
    error: reply.error ?? null,
    ...(reply.cost !== undefined && reply.cost !== null ? { cost: reply.cost } : {}),
  };
}

/** `--input`: any JSON value; what is wrong with bad JSON is said before any request. */
export function parseJsonInput(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(
      `--input is not JSON (${(error as Error).message}); quote it for the shell, e.g. --input '{"by": 2}'`,
    );
  }
}

function priorityNumber(value: string): number {
  if (!/^[1-9]\d*$/.test(value) || Number(value) > 2_097_151)
    throw new InvalidArgumentError('expected a whole number from 1 (highest) to 2097151');
  return Number(value);
}

function pollInterval(value: string): number {
  if (!/^[1-9]\d*$/.test(value) || Number(value) < 50)
    throw new InvalidArgumentError('expected a whole number of milliseconds, at least 50');
  return Number(value);
}
