import { Command } from 'commander';
import { registerConfigCommand } from './commands/config-command.js';
import { registerDoctorCommand } from './commands/doctor-command.js';
import { registerMcpCommand } from './commands/mcp-command.js';
import { registerMigrateCommand } from './commands/migrate-command.js';
import { registerSeedCommand } from './commands/seed-command.js';
import { registerServerCommand } from './commands/server-command.js';

/** The `switchyard` command line; later issues register their commands here. */
export function buildProgram(): Command {
  const program = new Command('switchyard')
    .description('An actor-based agent runtime with MCP servers')
    .option('-c, --config <file>', 'configuration file (default: ./switchyard.config.json or .yaml)')
    .showHelpAfterError();
  registerConfigCommand(program);
  registerMigrateCommand(program);
  registerDoctorCommand(program);
  registerServerCommand(program);
  registerSeedCommand(program);
  registerMcpCommand(program);
  return program;
}
