/**
 * What account-review-batch makes of its children's runs: which have ended (a poll round's
 * progress) and, at the end, the batch's summary. Pure functions over the child runs as
 * `RunServices.childRuns` reads them; a child is matched to its account by its index in the
 * flow (the queue keeps the order `fanOut` gave).
 */
import type { AccountReviewOutput } from '../account-review/account-review-agent.js';
import { type ChildRunSummary, isFinalStatus } from '#runtime/actors';

/** A child the queue has not started yet has no run: it counts as `queued`. */
export type ChildStatus = ChildRunSummary['status'] | 'queued';

export interface BatchProgress {
  /** Children whose run is final (completed, failed or cancelled). */
  done: number;
  total: number;
}

export interface FailedAccount {
  accountId: string;
  runId: string;
  status: 'failed' | 'cancelled';
  /** The child run's error code (`not_found`, `tool_failed`, `cancelled`, …). */
  code: string;
  message: string;
}

export interface PendingAccount {
  accountId: string;
  runId: string;
  status: ChildStatus;
}

export interface AccountReviewBatchOutput {
  total: number;
  /** False when the batch stopped waiting (its time ran out) before every child ended. */
  complete: boolean;
  /** Children by run status: `completed`, `failed`, `cancelled`, and when incomplete the rest. */
  byStatus: Partial<Record<ChildStatus, number>>;
  /** Completed reviews by outcome: `applied`, `partially_applied`, `rejected`, `expired`, `nothing_to_apply`. */
  byOutcome: Record<string, number>;
  /** CRM writes (tasks, notes, status changes) the completed reviews executed successfully. */
  crmWrites: number;
  /** Reviews that failed or were cancelled, with why: one bad account does not sink the batch. */
  failed: FailedAccount[];
  /** Reviews still going when the batch stopped waiting (empty when `complete`). */
  pending: PendingAccount[];
  /** Times the batch read its children. */
  rounds: number;
}

/** Longest error message kept per failed account (the child run keeps the whole of it). */
const MAX_MESSAGE_CHARS = 300;

function clip(message: string): string {
  return message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
}

function byId(runs: ChildRunSummary[]): Map<string, ChildRunSummary> {
  return new Map(runs.map((run) => [run.id, run]));
}

/**
 * The children still not final after a poll round: `unfinished` less those the round's read found
 * final. A child with no run yet (not started) stays unfinished. Only final runs among
 * `unfinished` count, so a read that holds more than asked for (a round journaled before reads
 * were narrowed holds every child) gives the same answer.
 */
export function stillUnfinished(unfinished: readonly string[], runs: ChildRunSummary[]): string[] {
  const ended = new Set(runs.filter((run) => isFinalStatus(run.status)).map((run) => run.id));
  return unfinished.filter((id) => !ended.has(id));
}

/** A completed review's output, when it is one (a failed run's output is `{ error }`). */
function reviewOf(output: unknown): Pick<AccountReviewOutput, 'outcome' | 'executed'> | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const { outcome, executed } = output as Partial<AccountReviewOutput>;
  if (typeof outcome !== 'string' || !Array.isArray(executed)) return undefined;
  return { outcome, executed };
}

export function summarizeBatch(
  accountIds: readonly string[],
  childIds: readonly string[],
  runs: ChildRunSummary[],
  rounds: number,
): AccountReviewBatchOutput {
  const found = byId(runs);
  const byStatus: Partial<Record<ChildStatus, number>> = {};
  const byOutcome: Record<string, number> = {};
  const failed: FailedAccount[] = [];
  const pending: PendingAccount[] = [];
  let crmWrites = 0;
  childIds.forEach((runId, index) => {
    const accountId = accountIds[index] ?? '(unknown)';
    const run = found.get(runId);
    const status: ChildStatus = run?.status ?? 'queued';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (!run || !isFinalStatus(run.status)) {
      pending.push({ accountId, runId, status });
      return;
    }
    if (run.status === 'completed') {
      const review = reviewOf(run.output);
      const outcome = review?.outcome ?? 'unknown';
      byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
      crmWrites += review?.executed.filter((write) => write.ok).length ?? 0;
      return;
    }
    failed.push({
      accountId,
      runId,
      status: run.status === 'cancelled' ? 'cancelled' : 'failed',
      code: run.error?.code ?? run.status,
      message: clip(run.error?.message ?? `the review was ${run.status}`),
    });
  });
  return {
    total: childIds.length,
    complete: pending.length === 0,
    byStatus,
    byOutcome,
    crmWrites,
    failed,
    pending,
    rounds,
  };
}
