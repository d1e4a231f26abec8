import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolAgent } from '../../../../agents/tool-agent/tool-agent.js';
import {
  parseToolAgentSpec,
  type ToolAgentSpecInput,
} from '../../../../agents/tool-agent/tool-agent-spec.js';
import type { RunRecord } from '../../../../runtime/actors/run-records.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';
import {
  anthropicText,
  anthropicToolUse,
  type FakeAnthropic,
  startFakeAnthropic,
} from '../../../support/fake-llm/fake-anthropic.js';
import {
  type FakeOpenAI,
  openaiRateLimited,
  openaiText,
  openaiToolCalls,
  startFakeOpenAI,
} from '../../../support/fake-llm/fake-openai.js';

// The tool-agent on the production composition: real memory MCP server over real MCP, PGlite,
// the real openai / anthropic SDKs against local servers speaking their wire formats.

const base = {
  description: 'keeps notes on accounts in the knowledge graph',
  systemPrompt: 'You keep notes in the memory graph. Use the tools, then answer in one line.',
  tools: { allow: ['memory__*'] },
} satisfies Partial<ToolAgentSpecInput>;

const agent = (spec: Partial<ToolAgentSpecInput> & { name: string }) =>
  createToolAgent(parseToolAgentSpec({ ...base, ...spec }, `test:${spec.name}`));

const isFinal = (s: string) => s === 'completed' || s === 'failed' || s === 'cancelled';

describe('tool-agent', { timeout: 120_000 }, () => {
  let openai: FakeOpenAI;
  let anthropic: FakeAnthropic;
  let harness: AgentHarness;

  beforeAll(async () => {
    openai = await startFakeOpenAI();
    anthropic = await startFakeAnthropic();
    harness = await startAgentHarness({
      builtins: ['memory'],
      llm: {
        // No `default`: an agent naming no model has none (model_not_configured).
        models: {
          gpt: { provider: 'openai', model: 'gpt-4o-mini', apiKey: 'test', baseURL: openai.baseURL },
          claude: {
            provider: 'anthropic',
            model: 'claude-sonnet-4-5',
            apiKey: 'test',
            baseURL: anthropic.baseURL,
          },
        },
      },
      agents: [
        agent({ name: 'notes-gpt', model: 'gpt' }),
        agent({ name: 'notes-claude', model: 'claude' }),
        agent({
          name: 'gated',
          model: 'gpt',
          tools: { allow: ['memory__*'], requireApproval: ['memory__create_*'] },
        }),
        agent({ name: 'repeater', model: 'gpt', loopGuard: { maxRepeats: 2, noProgressSteps: 10 } }),
        agent({ name: 'stuck', model: 'gpt', loopGuard: { maxRepeats: 5, noProgressSteps: 2 } }),
        agent({ name: 'short', model: 'gpt', maxSteps: 2, loopGuard: { noProgressSteps: 10 } }),
        agent({ name: 'modelless' }),
      ],
    });
  });

  afterAll(async () => {
    await harness?.dispose();
    await openai?.close();
    await anthropic?.close();
  });

  const run = async (name: string, task: string) =>
    harness.supervisor.startRun(name, { task }, { requestedBy: 'tester' });
  const finished = (id: string): Promise<RunRecord> => harness.supervisor.waitFor(id, isFinal, 90_000);
  const observationsOf = async (entity: string) =>
    (
      await harness.sql.query<{ content: string }>(
        `SELECT o.content FROM memory_observations o JOIN memory_entities e ON e.id = o.entity_id
         WHERE e.name = $1 ORDER BY o.id`,
        [entity],
      )
    ).rows.map((r) => r.content);

  it('completes a three-step tool task with the openai provider, sending tool results back in its wire shape', async () => {
    const before = openai.chatRequests().length;
    openai.enqueue(
      openaiToolCalls([
        {
          id: 'call_create',
          name: 'memory__create_entities',
          arguments: { entities: [{ name: 'Acme', entityType: 'company', observations: ['founded 1999'] }] },
        },
      ]),
      openaiToolCalls([
        {
          id: 'call_add',
          name: 'memory__add_observations',
          arguments: { observations: [{ entityName: 'Acme', contents: ['renewal due in March'] }] },
        },
      ]),
      openaiToolCalls([{ id: 'call_search', name: 'memory__search_nodes', arguments: { query: 'renewal' } }]),
      openaiText('Acme renews in March.'),
    );
    const started = await run('notes-gpt', 'Note that Acme (founded 1999) renews in March, then check it.');
    const done = await finished(started.id);

    expect(done.status).toBe('completed');
    expect(done.output).toMatchObject({ answer: 'Acme renews in March.', steps: 4, toolCalls: 3 });
    // The tools really ran: the graph holds what the model asked for.
    expect(await observationsOf('Acme')).toEqual(['founded 1999', 'renewal due in March']);
    expect(done.usage).toMatchObject({ inputTokens: 40, outputTokens: 20, modelCalls: 4, toolCalls: 3 });
    expect(done.usage.costUsd).toBeGreaterThan(0); // gpt-4o-mini has a price

    const requests = openai.chatRequests().slice(before);
    expect(requests).toHaveLength(4);
    expect(requests[0]!.messages[0]).toMatchObject({ role: 'system', content: base.systemPrompt });
    expect(requests[0]!.tools!.map((t) => t.function.name).every((n) => n.startsWith('memory__'))).toBe(true);
    const last = requests[3]!.messages;
    const assistant = last.find((m) => m.role === 'assistant' && JSON.stringify(m).includes('call_add'));
    expect(assistant).toMatchObject({
      tool_calls: [{ id: 'call_add', function: { name: 'memory__add_observations' } }],
    });
    const tools = last.filter((m) => m.role === 'tool');
    expect(tools.map((m) => m.tool_call_id)).toEqual(['call_create', 'call_add', 'call_search']);
    expect(String(tools[2]!.content)).toContain('renewal due in March'); // the search's real result
  });

  it('completes the same kind of task with the anthropic provider, as tool_result blocks', async () => {
    const before = anthropic.messageRequests().length;
    anthropic.enqueue(
      anthropicToolUse([
        {
          id: 'toolu_create',
          name: 'memory__create_entities',
          input: { entities: [{ name: 'Globex', entityType: 'company', observations: ['based in Ohio'] }] },
        },
      ]),
      anthropicToolUse([
        {
          id: 'toolu_add',
          name: 'memory__add_observations',
          input: { observations: [{ entityName: 'Globex', contents: ['champion: Hank'] }] },
        },
      ]),
      anthropicToolUse([{ id: 'toolu_open', name: 'memory__open_nodes', input: { names: ['Globex'] } }]),
      anthropicText('Globex is based in Ohio; Hank is the champion.'),
    );
    const done = await finished((await run('notes-claude', 'Record Globex and its champion Hank.')).id);

    expect(done.status).toBe('completed');
    expect(done.output).toMatchObject({ answer: 'Globex is based in Ohio; Hank is the champion.', steps: 4 });
    expect(await observationsOf('Globex')).toEqual(['based in Ohio', 'champion: Hank']);
    expect(done.usage).toMatchObject({ modelCalls: 4, toolCalls: 3 });
    expect(done.usage.costUsd).toBeGreaterThan(0);

    const requests = anthropic.messageRequests().slice(before);
    expect(requests).toHaveLength(4);
    expect(JSON.stringify(requests[0]!.system)).toContain('memory graph');
    const results = requests[3]!.messages.flatMap((m) =>
      Array.isArray(m.content) ? m.content.filter((b) => b.type === 'tool_result') : [],
    );
    expect(results.map((b) => b.tool_use_id)).toEqual(['toolu_create', 'toolu_add', 'toolu_open']);
    expect(JSON.stringify(results[2])).toContain('champion: Hank');
  });

  it('waits out a 429 with retry-after instead of failing', async () => {
    openai.enqueue(openaiRateLimited(1), openaiText('Nothing to do.'));
    const t0 = Date.now();
    const done = await finished((await run('notes-gpt', 'Say hello.')).id);
    const elapsed = Date.now() - t0;

    expect(done.status).toBe('completed');
    expect(done.output).toMatchObject({ answer: 'Nothing to do.' });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    const modelCalls = (await harness.supervisor.listEvents(done.id)).filter((e) => e.type === 'model_call');
    expect(modelCalls).toHaveLength(1);
    expect(modelCalls[0]!.data).toMatchObject({ attempts: 2 });
  });

  it('stops in awaiting_approval before a gated call and runs it once approved', async () => {
    openai.enqueue(
      openaiToolCalls([
        {
          id: 'call_gated',
          name: 'memory__create_entities',
          arguments: {
            entities: [{ name: 'Initech', entityType: 'company', observations: ['TPS reports'] }],
          },
        },
        { id: 'call_free', name: 'memory__search_nodes', arguments: { query: 'Initech' } },
      ]),
      openaiText('Initech recorded.'),
    );
    const started = await run('gated', 'Record Initech.');
    const parked = await harness.supervisor.waitFor(
      started.id,
      (s) => s === 'awaiting_approval' || isFinal(s),
      60_000,
    );
    expect(parked.status).toBe('awaiting_approval');
    expect(parked.stateValue).toBe('awaiting_approval');
    expect(await observationsOf('Initech')).toEqual([]); // nothing ran before the decision
    const [approval] = await harness.supervisor.listApprovals({ runId: started.id, state: 'pending' });
    expect(approval!.key).toBe('turn-1/approval');
    expect(approval!.details).toMatchObject({ calls: [{ name: 'memory__create_entities' }] });

    await harness.supervisor.decideRun(started.id, { approved: true, decidedBy: 'bob' });
    const done = await finished(started.id);
    expect(done.status).toBe('completed');
    expect(done.output).toMatchObject({ answer: 'Initech recorded.', toolCalls: 2 });
    expect(await observationsOf('Initech')).toEqual(['TPS reports']);
    // One gate, not two: services.callTool did not ask again for the approved call.
    expect(await harness.supervisor.listApprovals({ runId: started.id })).toHaveLength(1);
  });

  it('turns a rejected call into an observation the model sees, and goes on', async () => {
    const before = openai.chatRequests().length;
    openai.enqueue(
      openaiToolCalls([
        {
          id: 'call_rejected',
          name: 'memory__create_entities',
          arguments: { entities: [{ name: 'Umbrella', entityType: 'company', observations: ['secretive'] }] },
        },
      ]),
      openaiText('I was not allowed to record Umbrella.'),
    );
    const started = await run('gated', 'Record Umbrella.');
    await harness.supervisor.waitFor(started.id, (s) => s === 'awaiting_approval', 60_000);
    await harness.supervisor.decideRun(started.id, {
      approved: false,
      decidedBy: 'bob',
      reason: 'not a customer',
    });
    const done = await finished(started.id);

    expect(done.status).toBe('completed');
    expect(done.output).toMatchObject({ answer: 'I was not allowed to record Umbrella.', toolCalls: 0 });
    expect(await observationsOf('Umbrella')).toEqual([]);
    const second = openai.chatRequests().slice(before)[1]!;
    const observation = second.messages.find((m) => m.role === 'tool');
    expect(observation).toMatchObject({ tool_call_id: 'call_rejected' });
    expect(String(observation!.content)).toContain('rejected by bob: not a customer');
  });

  it('fails with tool_loop_detected when the model repeats the same call past maxRepeats', async () => {
    const same = () => openaiToolCalls([{ name: 'memory__search_nodes', arguments: { query: 'loop' } }]);
    openai.enqueue(same(), same(), same());
    const done = await finished((await run('repeater', 'Search forever.')).id);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('tool_loop_detected');
    expect(done.usage).toMatchObject({ modelCalls: 3, toolCalls: 2 }); // the third call never ran
  });

  it('fails with no_progress when steps bring no new observation', async () => {
    openai.enqueue(
      ...['nothing-1', 'nothing-2', 'nothing-3'].map((query) =>
        openaiToolCalls([{ name: 'memory__search_nodes', arguments: { query } }]),
      ),
    );
    const done = await finished((await run('stuck', 'Find what is not there.')).id);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('no_progress');
    expect(done.usage.modelCalls).toBe(3);
  });

  it('fails with max_steps_exceeded after maxSteps model turns without an answer', async () => {
    openai.enqueue(
      openaiToolCalls([{ name: 'memory__search_nodes', arguments: { query: 'Acme' } }]),
      openaiToolCalls([{ name: 'memory__search_nodes', arguments: { query: 'Globex' } }]),
    );
    const done = await finished((await run('short', 'Look around.')).id);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('max_steps_exceeded');
    expect(done.usage.modelCalls).toBe(2);
  });

  it('keeps a large tool result out of the transcript: the model reads 4 KB of it, the journal keeps all of it', async () => {
    const big = 'quarterly figures '.repeat(1_500); // ~27 KB
    const before = openai.chatRequests().length;
    openai.enqueue(
      openaiToolCalls([
        {
          name: 'memory__create_entities',
          arguments: { entities: [{ name: 'Hooli', entityType: 'company', observations: [big] }] },
        },
      ]),
      openaiToolCalls([{ id: 'call_big', name: 'memory__open_nodes', arguments: { names: ['Hooli'] } }]),
      openaiText('Read it.'),
    );
    const done = await finished((await run('notes-gpt', 'Store and read Hooli.')).id);

    expect(done.status).toBe('completed');
    const third = openai.chatRequests().slice(before)[2]!;
    const result = third.messages.find((m) => m.role === 'tool' && m.tool_call_id === 'call_big')!;
    expect(String(result.content).length).toBeLessThan(4_096 + 200);
    expect(String(result.content)).toContain('truncated');
    // The full result is in the effects journal.
    const effect = await harness.sql.query<{ result: unknown }>(
      `SELECT result FROM run_effects WHERE run_id = $1 AND key = 'turn-2/call-0'`,
      [done.id],
    );
    expect(JSON.stringify(effect.rows[0]!.result).length).toBeGreaterThan(big.length);
  });

  it('fails with model_not_configured when no model is set for the agent', async () => {
    const before = openai.requests.length + anthropic.requests.length;
    const done = await finished((await run('modelless', 'Anything.')).id);

    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('model_not_configured');
    expect(openai.requests.length + anthropic.requests.length).toBe(before);
  });

  it('rejects an input that is neither a task nor messages, naming the field', async () => {
    await expect(harness.supervisor.startRun('notes-gpt', { task: '' })).rejects.toThrow(/task/);
  });
});
