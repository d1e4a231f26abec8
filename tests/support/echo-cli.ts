// A `switchyard`-like entry point for tests: the real `server` command with a registry that holds
// only the echo server, so the command and the contract harness are tested in a real child process
// without any real server's stores.
import { Command } from 'commander';
import { registerServerCommand } from '../../app/commands/server-command.js';
import type { McpServerRegistry } from '../../app/servers/mcp-server-registry.js';
import { createEchoServer } from './echo-server.js';

const registry: McpServerRegistry = {
  echo: {
    description: 'echoes text (tests only)',
    async create(_config, { logger }) {
      return {
        factory: () =>
          createEchoServer({ onCleanup: () => logger.info({ event: 'echo-cleanup' }, 'echo cleaned up') }),
        close: async () => logger.info({ event: 'echo-closed' }, 'echo composition closed'),
      };
    },
  },
};

const program = new Command('switchyard-test').option('-c, --config <file>', 'configuration file');
registerServerCommand(program, registry);
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`switchyard-test: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
