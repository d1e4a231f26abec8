import type { Command } from 'commander';
import { agentsFromConfig } from '../from-config/agents-from-config.js';
import { commandContext } from '../context.js';
import { formatTable, oneLine } from './api-client.js';

/** `switchyard agents [--json]`: the agents this configuration defines, with what they can do. */
export function registerAgentsCommand(program: Command): void {
  program
    .command('agents')
    .description('list the agents this configuration defines: built-ins and agents.dirs definitions')
    .option('--json', 'print the list as JSON')
    .action((options: { json?: boolean }, command: Command) => {
      const { config } = commandContext(command);
      const agents = agentsFromConfig(config).map(({ definition, source }) => ({
        name: definition.name,
        description: definition.description,
        capabilities: definition.capabilities,
        version: definition.version,
        model: definition.model ?? null,
        source,
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ agents }, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        formatTable(
          ['NAME', 'DESCRIPTION', 'CAPABILITIES', 'SOURCE'],
          agents.map((a) => [a.name, oneLine(a.description, 60), a.capabilities.join(',') || '-', a.source]),
        ),
      );
    });
}
