import { type Command, Option } from 'commander';
import { z } from 'zod';
import { RUN_STATUSES } from '#runtime/actors';
import { addApiOptions, type ApiCommandOptions, apiClientFor, formatTable } from './api-client.js';

/** A timestamp as the API sends it: an ISO string or epoch milliseconds. */
export const InstantSchema = z.union([z.string(), z.number()]);

/**
 * What `GET /v1/runs` answers (app/api/task-routes.ts `runSummary`: `runId`, and the usage as
 * `cost`); fields this command does not show pass through.
 */
export const RunsReplySchema = z.object({
  runs: z.array(
    z.looseObject({
      runId: z.string(),
      agent: z.string(),
      status: z.string(),
      steps: z.number().optional(),
      requestedBy: z.string().nullish(),
      cost: z.looseObject({ costUsd: z.number().optional() }).nullish(),
      createdAt: InstantSchema.optional(),
      updatedAt: InstantSchema.optional(),
    }),
  ),
});

export type RunRow = z.infer<typeof RunsReplySchema>['runs'][number];

interface RunsOptions extends ApiCommandOptions {
  state?: string;
  json?: boolean;
}

/** `switchyard runs [--state s] [--json]`: the agent runs of a running bridge, newest as the API orders them. */
export function registerRunsCommand(program: Command): void {
  addApiOptions(
    program
      .command('runs')
      .description('list the agent runs of a running bridge (switchyard start)')
      .addOption(new Option('--state <status>', 'only runs in this status').choices(RUN_STATUSES))
      .option('--json', 'print the API answer as JSON'),
    15_000,
  ).action(async (options: RunsOptions, command: Command) => {
    const reply = await apiClientFor(command, options).get(runsPath(options.state), RunsReplySchema);
    process.stdout.write(
      options.json ? `${JSON.stringify(reply, null, 2)}\n` : formatRuns(reply.runs, options.state),
    );
  });
}

export function runsPath(state?: string): string {
  return state ? `/v1/runs?state=${encodeURIComponent(state)}` : '/v1/runs';
}

export function formatRuns(runs: readonly RunRow[], state?: string): string {
  if (runs.length === 0) return state ? `no runs are ${state}\n` : 'no runs yet\n';
  return formatTable(
    ['RUN', 'AGENT', 'STATUS', 'STEPS', 'COST', 'REQUESTED BY', 'UPDATED'],
    runs.map((run) => [
      run.runId,
      run.agent,
      run.status,
      run.steps === undefined ? '-' : String(run.steps),
      formatCost(run.cost?.costUsd),
      run.requestedBy ?? '-',
      formatInstant(run.updatedAt ?? run.createdAt),
    ]),
  );
}

/** Dollars: `$0.0123`, `-` when unknown; four decimals, model calls cost fractions of a cent. */
export function formatCost(costUsd: number | undefined): string {
  return costUsd === undefined ? '-' : `$${costUsd.toFixed(4)}`;
}

/** An ISO string or epoch ms as UTC to the second: `2026-12-01T14:40:02Z`; `-` when absent or bad. */
export function formatInstant(value: string | number | undefined): string {
  if (value === undefined) return '-';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '-' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
