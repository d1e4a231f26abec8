import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AgentDefinition } from '#runtime/actors';
import { ValidationError } from '#core';
import { parseToolAgentSpec } from './tool-agent/tool-agent-spec.js';
import { createToolAgent } from './tool-agent/tool-agent.js';

/** A definition file: a declarative tool-agent (`*.agent.json`, `*.agent.yaml`, `*.agent.yml`). */
const DEFINITION_FILE = /\.agent\.(json|ya?ml)$/;

export interface LoadedAgent {
  definition: AgentDefinition;
  /** `built-in` or the file it came from. */
  source: string;
}

/**
 * Every agent a node can run: the built-in statecharts, then the declarative tool-agents found in
 * `dirs` (in order; a folder that does not exist is skipped). A name defined twice is an error
 * naming both sources, as is a file that does not parse or does not validate.
 */
export function loadAgents(builtins: readonly AgentDefinition[], dirs: readonly string[]): LoadedAgent[] {
  const loaded: LoadedAgent[] = builtins.map((definition) => ({ definition, source: 'built-in' }));
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir)
      .filter((n) => DEFINITION_FILE.test(n))
      .sort()) {
      const file = resolve(join(dir, name));
      loaded.push({
        definition: createToolAgent(parseToolAgentSpec(readDefinition(file), file)),
        source: file,
      });
    }
  }
  const seen = new Map<string, string>();
  for (const { definition, source } of loaded) {
    const first = seen.get(definition.name);
    if (first !== undefined) {
      throw new ValidationError(`agent '${definition.name}' is defined twice: in ${first} and in ${source}`, {
        agent: definition.name,
        sources: [first, source],
      });
    }
    seen.set(definition.name, source);
  }
  return loaded;
}

function readDefinition(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ValidationError(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      {
        source: file,
      },
    );
  }
}
