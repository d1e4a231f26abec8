import { assign, fromPromise, not, or, setup } from 'xstate';
import { z } from 'zod';
import { AccountIdSchema } from '../account-review/account-review-agent.js';
import {
  defineAgent,
  type FanOut,
  type RunServices,
  unprovidedAction,
  unprovidedActor,
  unprovidedGuard,
} from '#runtime/actors';
import { ValidationError } from '#core';
import { errorInfo, type ErrorInfo } from '../agent-steps.js';
import {
  type AccountReviewBatchOutput,
  type BatchProgress,
  stillUnfinished,
  summarizeBatch,
} from './batch-summary.js';

/**
 * account-review-batch: "review these 100 accounts". A submit fans out (a flow of the task queue)
 * into one `account-review` child run per account; the batch run itself starts once every child's
 * queue job ended, i.e. once each review is final *or parked* (waiting for a person's approval).
 *
 * READING_CHILDREN reads the children's runs (`childRuns`, journaled per round) → all final:
 * SUMMARIZING; else WAITING (a durable `sleepUntil`, 2 s at first, growing to 30 s) → READING
 * again; each round emits `batch_progress {done, total, round}`. SUMMARIZING reads the children
 * once more with their outputs → COMPLETED with counts by child status and by review outcome,
 * the crm writes executed, and the failed or cancelled accounts with their error codes.
 *
 * A round reads only the children still unfinished at the round before (`ids`), and keeps only
 * those that are final now (`finalOnly`, no outputs): its journal entry lists the reviews that
 * ended since, so a batch waiting a day on parked reviews journals `[]` per round, and all its
 * rounds together hold each child at most once. The unfinished ids live in the context (the
 * snapshot), so a round replayed after a crash subtracts the same journaled answer from the same list.
 *
 * `onChildFailure: 'continue'`: one bad account (unknown id, a crm error) must not sink the
 * batch — its review fails on its own, the others go on, and the summary lists it as failed.
 * The batch stops waiting before its wall-time limit (or step limit) would fail it, and then
 * completes with `complete: false` and the reviews still going listed as `pending`.
 */

/** The largest batch: a submit validates and queues every child at once. */
export const MAX_BATCH_ACCOUNTS = 500;

/** Poll schedule: a parked review takes a person, so the interval grows from seconds to a half minute. */
export const BATCH_POLL = { firstMs: 2_000, factor: 1.5, maxMs: 30_000 } as const;

/** Room kept before the run's wall-time limit: the last read and the summary happen inside it. */
const DEADLINE_MARGIN_MS = 10_000;

/** Steps a round takes (read, wait) and the steps outside rounds (start, summary, final). */
const STEPS_PER_ROUND = 2;
const STEPS_RESERVED = 8;

const InputSchema = z.strictObject({
  accountIds: z
    .array(AccountIdSchema)
    .min(1, { message: 'expected at least 1 account id' })
    .max(MAX_BATCH_ACCOUNTS, {
      message: `expected at most ${MAX_BATCH_ACCOUNTS} account ids; split the batch`,
    })
    .superRefine((ids, ctx) => {
      const first = new Map<string, number>();
      ids.forEach((id, index) => {
        const earlier = first.get(id);
        if (earlier === undefined) first.set(id, index);
        else
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `duplicate of accountIds.${earlier} (${id}); each account is reviewed once`,
          });
      });
    }),
  /** The children's run ids, in the order of `accountIds`: set by the queue, never by a caller. */
  children: z.array(z.string().min(1)).optional(),
});
export type AccountReviewBatchInput = z.infer<typeof InputSchema>;

/** What the schema cannot say: the queue's children match the accounts one to one. */
function checkChildren({ accountIds, children }: AccountReviewBatchInput): void {
  if (children !== undefined && children.length !== accountIds.length)
    throw new ValidationError(
      `account-review-batch input: children: ${children.length} run id(s) for ${accountIds.length} account(s)`,
      { field: 'children' },
    );
}

function fanOutBatch({ accountIds, children }: AccountReviewBatchInput): FanOut {
  if (children !== undefined)
    throw new ValidationError('account-review-batch input: children: set by the queue, not by a caller', {
      field: 'children',
    });
  return {
    children: accountIds.map((accountId) => ({ agent: 'account-review', input: { accountId } })),
    onChildFailure: 'continue',
  };
}

interface BatchContext {
  accountIds: string[];
  children: string[] | null;
  /** Reads so far; the journal keys of round n are `children-n` and `wait-n`. */
  round: number;
  /**
   * The children not final at the last read (all of them before the first), in `children`'s
   * order. Absent in a snapshot written before rounds were narrowed: then every child.
   */
  unfinished?: string[];
  /** When this run began waiting for its children (kept in the snapshot: restarts keep the deadline). */
  startedAt: number;
  /** When the current wait ends (in the snapshot, so a resumed wait ends at the same time). */
  wakeAt: number;
  intervalMs: number;
  progress: BatchProgress;
  summary: AccountReviewBatchOutput | null;
  error: ErrorInfo | null;
}

/** The rounds the run's limits leave room for: its wall time (less a margin) and its steps. */
function mayWaitAgain(services: RunServices, context: BatchContext): boolean {
  const { timeoutMs, maxSteps } = services.policy.limits;
  const maxRounds = Math.floor((maxSteps - STEPS_RESERVED) / STEPS_PER_ROUND);
  const wakeAt = services.now() + context.intervalMs;
  return context.round + 1 < maxRounds && wakeAt < context.startedAt + timeoutMs - DEADLINE_MARGIN_MS;
}

/** A round's progress: every child that is not still unfinished has ended. */
function progressAfter(context: BatchContext, unfinished: readonly string[]): BatchProgress {
  const { total } = context.progress;
  return { done: total - unfinished.length, total };
}

/** The statechart alone; what it needs of a run's services comes from accountReviewBatchAgent.provide. */
export const accountReviewBatchMachine = setup({
  types: {} as {
    input: AccountReviewBatchInput;
    context: BatchContext;
    output: AccountReviewBatchOutput | { error: ErrorInfo };
  },
  actors: {
    readUnfinished: unprovidedActor<string[], { round: number; unfinished: string[] }>(
      'accountReviewBatch',
      'readUnfinished',
    ),
    wait: unprovidedActor<void, { round: number; at: number }>('accountReviewBatch', 'wait'),
    summarize: unprovidedActor<
      AccountReviewBatchOutput,
      { accountIds: string[]; children: string[]; rounds: number }
    >('accountReviewBatch', 'summarize'),
  },
  guards: { mayWaitAgain: unprovidedGuard('accountReviewBatch', 'mayWaitAgain') },
  actions: {
    markStarted: unprovidedAction('accountReviewBatch', 'markStarted'),
    scheduleWake: unprovidedAction('accountReviewBatch', 'scheduleWake'),
    emitProgress: unprovidedAction('accountReviewBatch', 'emitProgress'),
    recordError: assign({ error: ({ event }) => errorInfo((event as { error?: unknown }).error) }),
  },
}).createMachine({
  id: 'accountReviewBatch',
  context: ({ input }) => ({
    accountIds: input.accountIds,
    children: input.children ?? null,
    round: 0,
    unfinished: input.children ?? [],
    // Set by the markStarted entry action, from the run's clock.
    startedAt: 0,
    wakeAt: 0,
    intervalMs: BATCH_POLL.firstMs,
    progress: { done: 0, total: input.accountIds.length },
    summary: null,
    error: null,
  }),
  // Runs once, when a run starts: a restored snapshot keeps its start, and so its deadline.
  entry: 'markStarted',
  initial: 'STARTING',
  states: {
    STARTING: {
      always: [
        {
          guard: ({ context }) => context.children === null,
          target: 'FAILED',
          actions: assign({
            error: {
              code: 'not_a_flow',
              message:
                'account-review-batch has no children: submit it as a task (POST /v1/tasks, switchyard submit), which queues one account-review per account',
            },
          }),
        },
        { target: 'READING_CHILDREN' },
      ],
    },
    READING_CHILDREN: {
      invoke: {
        src: 'readUnfinished',
        input: ({ context }) => ({
          round: context.round,
          unfinished: context.unfinished ?? context.children!,
        }),
        onDone: [
          {
            guard: or([({ event }) => event.output.length === 0, not('mayWaitAgain')]),
            target: 'SUMMARIZING',
            actions: [
              assign({
                unfinished: ({ event }) => event.output,
                progress: ({ event, context }) => progressAfter(context, event.output),
              }),
              'emitProgress',
            ],
          },
          {
            target: 'WAITING',
            actions: [
              assign({
                unfinished: ({ event }) => event.output,
                progress: ({ event, context }) => progressAfter(context, event.output),
              }),
              'scheduleWake',
              'emitProgress',
            ],
          },
        ],
        onError: { target: 'FAILED', actions: 'recordError' },
      },
    },
    WAITING: {
      invoke: {
        src: 'wait',
        input: ({ context }) => ({ round: context.round, at: context.wakeAt }),
        onDone: {
          target: 'READING_CHILDREN',
          actions: assign({
            round: ({ context }) => context.round + 1,
            intervalMs: ({ context }) =>
              Math.min(Math.round(context.intervalMs * BATCH_POLL.factor), BATCH_POLL.maxMs),
          }),
        },
        onError: { target: 'FAILED', actions: 'recordError' },
      },
    },
    SUMMARIZING: {
      invoke: {
        src: 'summarize',
        input: ({ context }) => ({
          accountIds: context.accountIds,
          children: context.children!,
          rounds: context.round + 1,
        }),
        onDone: { target: 'COMPLETED', actions: assign({ summary: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: 'recordError' },
      },
    },
    COMPLETED: { type: 'final' },
    FAILED: { type: 'final', tags: ['failed'] },
  },
  output: ({ context }) => (context.error ? { error: context.error } : context.summary!),
});

export const accountReviewBatchAgent = defineAgent({
  name: 'account-review-batch',
  description:
    'Reviews a list of crm accounts (1..500): queues one account-review per account, waits until ' +
    'every review ended (approved, rejected, expired, or failed), then summarizes the outcomes, the crm ' +
    'writes and the accounts whose review failed. One failed account does not fail the batch.',
  capabilities: ['crm.read', 'crm.write', 'approval', 'fan_out'],
  version: '1',
  policy: {
    // It calls no tools: its children do, under account-review's own policy and approvals.
    allowTools: [],
    // Its reviews wait for people (approvals expire after 24 h by default): it waits as long.
    limits: { timeoutMs: 26 * 60 * 60_000, maxSteps: 10_000 },
    // 500 children's run ids (and as many unfinished ones while it waits), and a summary listing up
    // to 500 failed accounts, kept in the context and again as the final snapshot's output: past the
    // default 256 KiB in the worst case.
    snapshotBudgetBytes: 1024 * 1024,
  },
  input: InputSchema,
  inputLabel: 'account-review-batch input',
  checkInput: checkChildren,
  fanOut: fanOutBatch,
  machine: accountReviewBatchMachine,
  provide: (services) => ({
    actors: {
      readUnfinished: fromPromise(
        async ({ input }: { input: { round: number; unfinished: string[] } }): Promise<string[]> =>
          stillUnfinished(
            input.unfinished,
            await services.childRuns(`children-${input.round}`, {
              output: false,
              ids: input.unfinished,
              finalOnly: true,
            }),
          ),
      ),
      wait: fromPromise(
        async ({ input, signal }: { input: { round: number; at: number }; signal: AbortSignal }) =>
          services.sleepUntil(`wait-${input.round}`, input.at, signal),
      ),
      summarize: fromPromise(
        async ({
          input,
        }: {
          input: { accountIds: string[]; children: string[]; rounds: number };
        }): Promise<AccountReviewBatchOutput> =>
          summarizeBatch(
            input.accountIds,
            input.children,
            await services.childRuns('children-final'),
            input.rounds,
          ),
      ),
    },
    guards: { mayWaitAgain: ({ context }: { context: BatchContext }) => mayWaitAgain(services, context) },
    actions: {
      markStarted: assign({ startedAt: () => services.now() }),
      scheduleWake: assign({
        wakeAt: ({ context }: { context: BatchContext }) => services.now() + context.intervalMs,
      }),
      emitProgress: ({ context }: { context: BatchContext }) =>
        services.emit('batch_progress', { ...context.progress, round: context.round }),
    },
  }),
});
