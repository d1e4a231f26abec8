import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { AgentDefinition } from '#runtime/actors';

/**
 * Each agent as a tool of its own, `agents__<name>`: what `agents__run` does for that agent, with
 * the agent's input as the tool's arguments. A client (or a model) then sees what each agent is for
 * and what it takes, instead of one generic tool whose input it must guess.
 */

const PREFIX = 'agents__';

/** Names the generic task tools hold: an agent called `run` keeps only `agents__run {agent: 'run'}`. */
const TAKEN = new Set(['agents__run']);

/** The tool name of `agent`, or undefined when its name is taken by a task tool. */
export function agentToolName(agent: Pick<AgentDefinition, 'name'>): string | undefined {
  const name = `${PREFIX}${agent.name}`;
  return TAKEN.has(name) ? undefined : name;
}

/** The agent a tool name stands for, among `agents`; undefined for any other name. */
export function agentOfTool(tool: string, agents: readonly AgentDefinition[]): AgentDefinition | undefined {
  if (!tool.startsWith(PREFIX) || TAKEN.has(tool)) return undefined;
  const name = tool.slice(PREFIX.length);
  return agents.find((agent) => agent.name === name);
}

/** The tool definitions of `agents`, in their order. */
export function agentTools(agents: readonly AgentDefinition[]): Tool[] {
  const tools: Tool[] = [];
  for (const agent of agents) {
    const name = agentToolName(agent);
    if (name) tools.push(agentTool(name, agent));
  }
  return tools;
}

function agentTool(name: string, agent: AgentDefinition): Tool {
  // Honest hints: a run may change the systems it works on (capabilities say which), is not
  // idempotent (each call is a new run), and reaches outside the bridge (tools, models).
  const writes = agent.capabilities.some((capability) => /\.(write|delete)$/.test(capability));
  return {
    name,
    title: `Run the ${agent.name} agent`,
    description:
      `${agent.description} ` +
      `(Runs the ${agent.name} agent with these arguments as its input and waits until it stops: answers with ` +
      'its output, or with the run id when it waits for a person to approve. Sends a progress ' +
      'notification per run event; cancelling the call cancels the run.)',
    inputSchema: inputSchemaOf(agent),
    annotations: {
      readOnlyHint: false,
      destructiveHint: writes,
      idempotentHint: false,
      openWorldHint: true,
    },
  };
}

/** The agent's input as JSON Schema; any object when the agent declares none or it is not an object. */
function inputSchemaOf(agent: AgentDefinition): Tool['inputSchema'] {
  const anyObject: Tool['inputSchema'] = { type: 'object', additionalProperties: true };
  if (!agent.inputSchema) return anyObject;
  // 'input': what a caller may send (defaults optional), not what the agent gets after parsing.
  const { $schema: _ignored, ...schema } = z.toJSONSchema(agent.inputSchema, {
    unrepresentable: 'any',
    io: 'input',
  }) as Record<string, unknown>;
  return schema.type === 'object' ? (schema as Tool['inputSchema']) : anyObject;
}
