import { Command } from 'commander';
import { registerAgentsCommand } from './commands/agents-command.js';
import {
  registerApprovalsCommand,
  registerApproveCommand,
  registerRejectCommand,
} from './commands/approve-command.js';
import { registerRunsCommand } from './commands/runs-command.js';
import { registerSubmitCommand } from './commands/submit-command.js';
import { registerRetryCommand, registerTasksCommand } from './commands/tasks-command.js';
import { registerCallCommand } from './commands/call-command.js';
import { registerConfigCommand } from './commands/config-command.js';
import { registerDoctorCommand } from './commands/doctor-command.js';
import { registerMcpCommand } from './commands/mcp-command.js';
import { registerMigrateCommand } from './commands/migrate-command.js';
import { registerSeedCommand } from './commands/seed-command.js';
import { registerServerCommand } from './commands/server-command.js';
import { registerServersCommand } from './commands/servers-command.js';
import { registerStartCommand } from './commands/start-command.js';
import { registerToolsCommand } from './commands/tools-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';

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
  registerStartCommand(program);
  registerSeedCommand(program);
  registerMcpCommand(program);
  registerServersCommand(program);
  registerToolsCommand(program);
  registerCallCommand(program);
  registerAgentsCommand(program);
  registerWorkerCommand(program);
  registerSubmitCommand(program);
  registerRunsCommand(program);
  registerApproveCommand(program);
  registerRejectCommand(program);
  registerApprovalsCommand(program);
  registerTasksCommand(program);
  registerRetryCommand(program);
  return program;
}
