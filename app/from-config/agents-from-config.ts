import { join, resolve } from 'node:path';
import { builtinAgents } from '../../agents/builtin-agents.js';
import { type LoadedAgent, loadAgents } from '../../agents/load-agents.js';
import type { Config } from '../../runtime/config/config-schema.js';

/** The agents of this node: the built-ins, then `agents.dirs`, then `<home>/agents`. */
export function agentsFromConfig(config: Config, cwd: string = process.cwd()): LoadedAgent[] {
  const dirs = [...config.agents.dirs.map((dir) => resolve(cwd, dir)), join(config.home, 'agents')];
  return loadAgents(builtinAgents(), dirs);
}
