import type { Command } from 'commander';
import { commandContext } from '../context.js';
import { withSqlStore } from '../roles/with-sql-store.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending SQL migrations to the configured database (also done at every start)')
    .action(async (_options: unknown, command: Command) => {
      await withSqlStore(commandContext(command), async (sql) => {
        const { rows } = await sql.query<{ version: number; name: string }>(
          'SELECT version, name FROM switchyard_migrations ORDER BY version',
        );
        process.stdout.write(
          `${sql.driver} schema '${sql.schema}' is at migration ${rows.at(-1)?.version ?? 0}\n`,
        );
      });
    });
}
