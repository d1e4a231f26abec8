import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, type AnyStateNode, StateMachine } from 'xstate';
import type { DefinedAgent } from '../../../runtime/actors/index.js';
import { builtinAgents } from '../../../agents/builtin-agents.js';
import { createToolAgent } from '../../../agents/tool-agent/tool-agent.js';
import { parseToolAgentSpec } from '../../../agents/tool-agent/tool-agent-spec.js';

/**
 * A persisted snapshot names its machine's states (and, through its children's ids, the machine's
 * id), and the supervisor restores it into whatever machine carries the same `version`. So a
 * change to the state ids must come with a bump of `version`: this test holds each agent's state
 * ids against the committed fixture, and fails when they moved but the version did not.
 *
 * After bumping a version on purpose, rewrite the fixture with
 * `UPDATE_MACHINE_VERSIONS=1 npx vitest run tests/unit/agents/machine-versions.test.ts`.
 */

const FIXTURE = join(import.meta.dirname, 'machine-versions.json');

interface Recorded {
  version: string;
  stateIds: string[];
}

/** A tool-agent's machine is the same for every spec but for its id, the spec's name. */
const TOOL_AGENT = createToolAgent(
  parseToolAgentSpec({ name: 'tool-agent', description: 'any spec', systemPrompt: 's' }, 'test'),
);

const agents = [...builtinAgents(), TOOL_AGENT] as DefinedAgent[];

/**
 * Every state id of a machine, and of the machines it invokes by name (sub-agents live in the
 * parent's snapshot), sorted.
 */
function stateIdsOf(machine: AnyStateMachine): string[] {
  const ids = new Set<string>();
  const walk = (node: AnyStateNode) => {
    ids.add(node.id);
    for (const child of Object.values(node.states)) walk(child);
  };
  walk(machine.root);
  for (const logic of Object.values(machine.implementations.actors))
    if (logic instanceof StateMachine) for (const id of stateIdsOf(logic)) ids.add(id);
  return [...ids].sort();
}

function current(): Record<string, Recorded> {
  return Object.fromEntries(
    agents.map((agent) => [agent.name, { version: agent.version, stateIds: stateIdsOf(agent.machine) }]),
  );
}

if (process.env['UPDATE_MACHINE_VERSIONS'] === '1')
  writeFileSync(FIXTURE, `${JSON.stringify(current(), null, 2)}\n`);

const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Recorded>;

describe('machine versions', () => {
  it('has a fixture entry for every agent, and none for an agent that is gone', () => {
    expect(Object.keys(recorded).sort()).toEqual(agents.map((a) => a.name).sort());
  });

  for (const agent of agents) {
    it(`${agent.name}: same version, same state ids`, () => {
      const was = recorded[agent.name];
      if (!was) return; // reported by the test above
      const now = stateIdsOf(agent.machine);
      if (agent.version !== was.version) {
        expect.fail(
          `${agent.name} is version ${agent.version}, the fixture records ${was.version}: ` +
            `rewrite machine-versions.json (see the top of this test) so it holds the new version's states`,
        );
      }
      const added = now.filter((id) => !was.stateIds.includes(id));
      const removed = was.stateIds.filter((id) => !now.includes(id));
      if (added.length > 0 || removed.length > 0)
        expect.fail(
          `the ${agent.name} machine's states changed (added: ${added.join(', ') || 'none'}; removed: ` +
            `${removed.join(', ') || 'none'}) but its version is still ${agent.version}: a snapshot persisted ` +
            `by the old machine would be restored into states that are not there. Bump \`version\` in its ` +
            `definition, then rewrite machine-versions.json (see the top of this test).`,
        );
    });
  }
});
