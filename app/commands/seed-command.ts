import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { ValidationError } from '#core';
import { commandContext } from '../context.js';
import { withSqlStore } from '../roles/with-sql-store.js';

interface SeedOptions {
  accounts: number;
  seed: number;
  asOf?: Date;
}

/**
 * `switchyard seed crm --accounts 1000 --seed 42`: deterministic sample data for the crm server, with
 * a progress bar on stderr and the report as JSON on stdout. The same seed and date give the same
 * data on every machine; running it again adds only what is missing.
 */
export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description('write deterministic sample data into a store (today: the crm)')
    .argument('<target>', 'what to seed: crm')
    .option(
      '--accounts <n>',
      'accounts to create, each with contacts, deals, activities, notes and tasks',
      whole,
      100,
    )
    .option('--seed <n>', 'random seed: the same seed gives the same data', whole, 42)
    .option('--as-of <date>', 'the day the data is current as of, YYYY-MM-DD (default: today, UTC)', day)
    .action(async (target: string, options: SeedOptions, command: Command) => {
      if (target !== 'crm') throw new ValidationError(`unknown seed target '${target}'; known targets: crm`);
      const { seedCrm } = await import('#mcp-servers/crm');
      await withSqlStore(commandContext(command), async (sql) => {
        const bar = new cliProgress.SingleBar(
          {
            format: 'seeding crm [{bar}] {percentage}% {value}/{total} accounts, eta {eta_formatted}',
            stream: process.stderr,
            // Not a terminal (CI, a log file): a line every few seconds instead of redrawing in place.
            noTTYOutput: true,
            notTTYSchedule: 2000,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        const interrupt = new AbortController();
        const onSignal = () => interrupt.abort(new Error('interrupted: the batches written so far are kept'));
        process.once('SIGINT', onSignal);
        bar.start(options.accounts, 0);
        try {
          const report = await seedCrm(sql, {
            accounts: options.accounts,
            seed: options.seed,
            asOf: options.asOf,
            onProgress: (done) => bar.update(done),
            signal: interrupt.signal,
          });
          bar.stop();
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } finally {
          bar.stop();
          process.off('SIGINT', onSignal);
        }
      });
    });
}

function whole(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

function day(value: string): Date {
  const parsed = new Date(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(parsed.getTime()) ||
    parsed.toISOString().slice(0, 10) !== value
  )
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  return parsed;
}
