import { join, resolve } from 'node:path';
import { builtinAgents, type LoadedAgent, loadAgents } from '#agents';
import type { Config } from '../config/config-schema.js';

/** The agents of this node: the built-ins, then `agents.dirs`, then `<home>/agents`. */
export function agentsFromConfig(config: Config, cwd: string = process.cwd()): LoadedAgent[] {
  const dirs = [...config.agents.dirs.map((dir) => resolve(cwd, dir)), join(config.home, 'agents')];
  return loadAgents(builtinAgents(), dirs);
}
