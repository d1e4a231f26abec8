import type { Command } from 'commander';
import { redactConfig } from '#runtime/config';
import { ConfigSchema } from '../config/config-schema.js';
import { commandContext } from '../context.js';

/**
 * `switchyard config`: the resolved configuration (file + environment + defaults) as JSON, with
 * every secret hidden by the schema's own marks (redact-config.ts), so the output can be pasted
 * into an issue.
 */
export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the resolved configuration (file + environment + defaults), secrets redacted')
    .action((_options: unknown, command: Command) => {
      const { config, file } = commandContext(command);
      const redacted = redactConfig(ConfigSchema, config);
      process.stdout.write(`${JSON.stringify({ file, config: redacted }, null, 2)}\n`);
    });
}
