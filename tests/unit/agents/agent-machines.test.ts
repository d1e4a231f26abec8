import { describe, expect, it } from 'vitest';
import {
  type DefinedAgent,
  resolvePolicy,
  type RunServices,
  standInsOf,
} from '../../../runtime/actors/index.js';
import { builtinAgents } from '../../../agents/builtin-agents.js';
import { createToolAgent } from '../../../agents/tool-agent/tool-agent.js';
import { parseToolAgentSpec } from '../../../agents/tool-agent/tool-agent-spec.js';

// Building a machine touches no service (only running it does), so a bare object will do.
const services = { runId: 'run-1', agent: 'any', policy: resolvePolicy(), hasModel: false } as RunServices;

const agents = [
  ...builtinAgents(),
  createToolAgent(parseToolAgentSpec({ name: 'helper', description: 'd', systemPrompt: 's' }, 'test')),
] as DefinedAgent[];

describe('agent machines', () => {
  for (const agent of agents)
    it(`${agent.name}: exists without services, and a run's machine is the same one with all of them provided`, () => {
      expect(standInsOf(agent.machine).length).toBeGreaterThan(0);
      const machine = agent.createMachine(services);
      expect(standInsOf(machine)).toEqual([]);
      expect(machine.id).toBe(agent.machine.id);
      expect(machine.config).toBe(agent.machine.config);
    });
});
