import type { Command } from 'commander';
import { z } from 'zod';
import { addApiOptions, type ApiCommandOptions, apiClientFor, formatTable, oneLine } from './api-client.js';
import { formatInstant } from './runs-command.js';

/** An approval record as the API sends it (`POST /v1/runs/{id}/approve|reject`, `GET /v1/approvals`). */
export const ApprovalSchema = z.looseObject({
  id: z.string(),
  runId: z.string(),
  what: z.string(),
  why: z.string().optional(),
  state: z.string(),
  requestedBy: z.string().nullish(),
  requestedAt: z.union([z.string(), z.number()]).optional(),
  decidedBy: z.string().nullish(),
  reason: z.string().nullish(),
});

export type ApprovalRow = z.infer<typeof ApprovalSchema>;

const ApprovalsReplySchema = z.object({ approvals: z.array(ApprovalSchema) });

/** What `POST /v1/runs/{id}/approve|reject` answers: `{approval}`. */
const DecisionReplySchema = z.object({ approval: ApprovalSchema });

interface DecideOptions extends ApiCommandOptions {
  reason?: string;
  json?: boolean;
}

/** `switchyard approve <run> [--reason r]`: approves the run's pending approval; the run resumes. */
export function registerApproveCommand(program: Command): void {
  registerDecision(program, 'approve');
}

/** `switchyard reject <run> [--reason r]`: rejects the run's pending approval. */
export function registerRejectCommand(program: Command): void {
  registerDecision(program, 'reject');
}

/** `switchyard approvals [--all] [--json]`: the approvals waiting for a decision (all with --all). */
export function registerApprovalsCommand(program: Command): void {
  addApiOptions(
    program
      .command('approvals')
      .description('list the approvals of a running bridge that wait for a decision')
      .option('--all', 'every approval, decided ones too')
      .option('--json', 'print the API answer as JSON'),
    15_000,
  ).action(async (options: ApiCommandOptions & { all?: boolean; json?: boolean }, command: Command) => {
    const path = options.all ? '/v1/approvals' : '/v1/approvals?state=pending';
    const reply = await apiClientFor(command, options).get(path, ApprovalsReplySchema);
    process.stdout.write(
      options.json ? `${JSON.stringify(reply, null, 2)}\n` : formatApprovals(reply.approvals),
    );
  });
}

function registerDecision(program: Command, verb: 'approve' | 'reject'): void {
  addApiOptions(
    program
      .command(verb)
      .description(
        verb === 'approve'
          ? "approve a run's pending approval on a running bridge; the run resumes"
          : "reject a run's pending approval on a running bridge",
      )
      .argument('<run>', 'the run id (switchyard runs --state awaiting_approval, switchyard approvals)')
      .option('--reason <text>', 'why, recorded with the decision')
      .option('--json', 'print the approval record as JSON'),
    15_000,
  ).action(async (runId: string, options: DecideOptions, command: Command) => {
    const { approval: record } = await apiClientFor(command, options).post(
      decisionPath(runId, verb),
      options.reason !== undefined ? { reason: options.reason } : {},
      DecisionReplySchema,
    );
    process.stdout.write(options.json ? `${JSON.stringify(record, null, 2)}\n` : formatDecision(record));
  });
}

export function decisionPath(runId: string, verb: 'approve' | 'reject'): string {
  return `/v1/runs/${encodeURIComponent(runId)}/${verb}`;
}

/** `approved run r-1: finish (by alice: looks fine)`. */
export function formatDecision(record: ApprovalRow): string {
  const by = record.decidedBy ? ` by ${record.decidedBy}` : '';
  const reason = record.reason ? `: ${oneLine(record.reason, 200)}` : '';
  return `${record.state} run ${record.runId}: ${oneLine(record.what, 120)} (${`${by}${reason}`.trim() || 'no reason given'})\n`;
}

export function formatApprovals(approvals: readonly ApprovalRow[]): string {
  if (approvals.length === 0) return 'no approvals wait for a decision\n';
  return formatTable(
    ['RUN', 'STATE', 'REQUESTED', 'WHAT', 'WHY'],
    approvals.map((a) => [
      a.runId,
      a.state,
      formatInstant(a.requestedAt),
      oneLine(a.what, 60),
      a.why ? oneLine(a.why, 80) : '-',
    ]),
  );
}
