import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { addApiOptions, type ApiCommandOptions, apiClientFor, formatTable, oneLine } from './api-client.js';
import { formatInstant, InstantSchema } from './runs-command.js';
import { TaskReplySchema, type TaskReply } from './submit-command.js';

/** What `GET /v1/tasks/failed` answers: the dead letters, newest first. */
export const FailedTasksReplySchema = z.object({
  tasks: z.array(
    z.looseObject({
      runId: z.string(),
      agent: z.string(),
      attemptsMade: z.number(),
      failedReason: z.string().nullish(),
      submittedAt: InstantSchema.nullish(),
      finishedAt: InstantSchema.nullish(),
      /** The run's status; null when the task failed before its run started. */
      status: z.string().nullish(),
      error: z.looseObject({ code: z.string(), message: z.string() }).nullish(),
    }),
  ),
});

export type FailedTaskRow = z.infer<typeof FailedTasksReplySchema>['tasks'][number];

interface FailedOptions extends ApiCommandOptions {
  limit: number;
  json?: boolean;
}

/** `switchyard tasks failed [--limit N] [--json]`: the dead letters of a running bridge's queue. */
export function registerTasksCommand(program: Command): void {
  const tasks = program.command('tasks').description("the tasks of a running bridge's queue");
  addApiOptions(
    tasks
      .command('failed')
      .description('list the dead letters: tasks that failed every attempt (switchyard retry <run>)')
      .option('--limit <n>', 'at most this many, newest first (1..1000)', limitNumber, 100)
      .option('--json', 'print the API answer as JSON'),
    15_000,
  ).action(async (options: FailedOptions, command: Command) => {
    const reply = await apiClientFor(command, options).get(failedPath(options.limit), FailedTasksReplySchema);
    process.stdout.write(options.json ? `${JSON.stringify(reply, null, 2)}\n` : formatFailed(reply.tasks));
  });
}

/**
 * `switchyard retry <run> [--json]`: runs a dead letter again. The bridge refuses (exit 1, its
 * message on stderr) a task that is not a dead letter, or whose run is final: that run failed,
 * and only a new submit runs the task anew.
 */
export function registerRetryCommand(program: Command): void {
  addApiOptions(
    program
      .command('retry')
      .description('run a failed task (a dead letter) again on a running bridge; its attempts start over')
      .argument('<run>', 'the run id of the task (switchyard tasks failed)')
      .option('--json', 'print the task as JSON'),
    15_000,
  ).action(async (runId: string, options: ApiCommandOptions & { json?: boolean }, command: Command) => {
    const reply = await apiClientFor(command, options).post(retryPath(runId), {}, TaskReplySchema);
    process.stdout.write(options.json ? `${JSON.stringify(reply, null, 2)}\n` : formatRetried(reply));
  });
}

export function failedPath(limit: number): string {
  return `/v1/tasks/failed?limit=${limit}`;
}

export function retryPath(runId: string): string {
  return `/v1/tasks/${encodeURIComponent(runId)}/retry`;
}

export function formatFailed(tasks: readonly FailedTaskRow[]): string {
  if (tasks.length === 0) return 'no failed tasks\n';
  return formatTable(
    ['RUN', 'AGENT', 'ATTEMPTS', 'FAILED', 'RUN STATUS', 'REASON'],
    tasks.map((task) => [
      task.runId,
      task.agent,
      String(task.attemptsMade),
      formatInstant(task.finishedAt ?? undefined),
      task.status ?? 'not started',
      oneLine(task.failedReason ?? '-', 120),
    ]),
  );
}

/** `retried run r-1 (gated): waiting`. */
export function formatRetried(reply: TaskReply): string {
  const agent = typeof reply.agent === 'string' ? ` (${reply.agent})` : '';
  const where = [reply.state ?? 'unknown', reply.status ? `run ${reply.status}` : undefined]
    .filter(Boolean)
    .join(', ');
  return `retried run ${reply.runId}${agent}: ${where}\n`;
}

function limitNumber(value: string): number {
  if (!/^[1-9]\d*$/.test(value) || Number(value) > 1000)
    throw new InvalidArgumentError('expected a whole number from 1 to 1000');
  return Number(value);
}
