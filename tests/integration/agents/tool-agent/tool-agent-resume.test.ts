import { afterAll, describe, expect, it } from 'vitest';
import { createToolAgent } from '../../../../agents/tool-agent/tool-agent.js';
import { parseToolAgentSpec } from '../../../../agents/tool-agent/tool-agent-spec.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';
import {
  type FakeOpenAI,
  openaiText,
  openaiToolCalls,
  startFakeOpenAI,
} from '../../../support/fake-llm/fake-openai.js';

// A tool-agent run parked at its approval state survives the process: a new host resumes it from
// its snapshot, and the model turn it had already made is answered from the effects journal.

describe('tool-agent across a restart', { timeout: 120_000 }, () => {
  const harnesses: AgentHarness[] = [];
  let openai: FakeOpenAI | undefined;

  afterAll(async () => {
    for (const h of harnesses.reverse()) await h.close();
    await harnesses[0]?.dispose();
    await openai?.close();
  });

  it('resumes at awaiting_approval on a new host and does not ask the model again for the turn it made', async () => {
    openai = await startFakeOpenAI({
      script: [
        openaiToolCalls([
          {
            id: 'call_gated',
            name: 'memory__create_entities',
            arguments: {
              entities: [{ name: 'Vandelay', entityType: 'company', observations: ['imports latex'] }],
            },
          },
        ]),
        openaiText('Vandelay recorded.'),
      ],
    });
    const agents = () => [
      createToolAgent(
        parseToolAgentSpec(
          {
            name: 'gated-notes',
            description: 'records companies after approval',
            systemPrompt: 'Record what you are told.',
            model: 'gpt',
            tools: { allow: ['memory__*'], requireApproval: ['memory__create_*'] },
          },
          'test',
        ),
      ),
    ];
    const llm = {
      models: { gpt: { provider: 'openai', model: 'gpt-4o-mini', apiKey: 'test', baseURL: openai.baseURL } },
    };
    const first = await startAgentHarness({ builtins: ['memory'], llm, agents: agents() });
    harnesses.push(first);
    const run = await first.supervisor.startRun('gated-notes', { task: 'Record Vandelay.' });
    await first.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval', 60_000);
    await first.close(); // the process goes away while the run waits

    const second = await startAgentHarness({ builtins: ['memory'], llm, agents: agents(), home: first.home });
    harnesses.push(second);
    const parked = await second.supervisor.getRun(run.id);
    expect(parked.status).toBe('awaiting_approval');
    expect(parked.stateValue).toBe('awaiting_approval');
    await second.supervisor.decideRun(run.id, { approved: true, decidedBy: 'kramer' });
    const done = await second.supervisor.waitFor(run.id, (s) => s === 'completed' || s === 'failed', 60_000);

    expect(done.status).toBe('completed');
    expect(done.output).toMatchObject({ answer: 'Vandelay recorded.', steps: 2, toolCalls: 1 });
    expect(openai.chatRequests()).toHaveLength(2); // turn 1 was not asked again after the restart
    const rows = await second.sql.query(
      `SELECT o.content FROM memory_observations o JOIN memory_entities e ON e.id = o.entity_id WHERE e.name = 'Vandelay'`,
    );
    expect(rows.rows).toEqual([{ content: 'imports latex' }]);
  });
});
