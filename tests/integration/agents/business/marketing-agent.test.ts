import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { marketingAgent } from '../../../../agents/marketing/marketing-agent.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';
import { type FakeOpenAI, openaiText, startFakeOpenAI } from '../../../support/fake-llm/fake-openai.js';

const FINAL = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);

interface Output {
  outcome: string;
  entity: string;
  draft: { title: string; body: string };
  score: number;
  scores: number[];
  revisions: number;
  decidedBy?: string;
  reason?: string;
}

async function observations(harness: AgentHarness, entity: string): Promise<string[]> {
  const { rows } = await harness.sql.query<{ content: string }>(
    `SELECT o.content FROM memory_observations o JOIN memory_entities e ON e.id = o.entity_id
      WHERE e.name = $1 AND e.entity_type = 'marketing_draft' ORDER BY o.id`,
    [entity],
  );
  return rows.map((r) => r.content);
}

describe('marketing agent, offline', { timeout: 120_000 }, () => {
  let harness: AgentHarness;
  beforeAll(async () => {
    harness = await startAgentHarness({ agents: [marketingAgent], builtins: ['memory'] });
  });
  afterAll(async () => harness?.dispose());

  async function draftAwaitingApproval(input: Record<string, unknown>) {
    const run = await harness.supervisor.startRun('marketing', input);
    const waiting = await harness.supervisor.waitFor(
      run.id,
      (s) => s === 'awaiting_approval' || FINAL(s),
      90_000,
    );
    expect(waiting.status, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.stateValue).toBe('AWAITING_APPROVAL');
    const [approval] = await harness.supervisor.listApprovals({ runId: run.id, state: 'pending' });
    return { run, approval: approval! };
  }

  it('revises a draft with a banned word, saves it, and publishes it once approved', async () => {
    const { run, approval } = await draftAwaitingApproval({
      topic: 'guaranteed savings with solar panels',
      audience: 'Small business owners',
      channel: 'blog',
    });
    const details = approval.details as { entity: string; score: number; title: string };
    expect(details.score).toBeGreaterThanOrEqual(75);
    expect(details.title).not.toMatch(/guaranteed/i);
    const saved = await observations(harness, details.entity);
    expect(saved).toEqual(
      expect.arrayContaining(['status: awaiting_approval', 'channel: blog', `score: ${details.score}`]),
    );
    expect(saved.find((o) => o.startsWith('body: '))).toMatch(/solar panels/);

    await harness.supervisor.decideRun(run.id, { approved: true, decidedBy: 'alice' });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status).toBe('completed');
    expect(done.stateValue).toBe('PUBLISHED');
    const output = done.output as Output;
    // The template's banned word cost the first draft its banned-words points; one revision fixed it.
    expect(output.scores).toEqual([70, details.score]);
    expect(output).toMatchObject({ outcome: 'published', revisions: 1, decidedBy: 'alice' });
    expect(await observations(harness, details.entity)).toContain('status: approved by alice');
  });

  it('ends rejected (completed, not failed) when the draft is rejected', async () => {
    const { run, approval } = await draftAwaitingApproval({
      topic: 'workflow automation',
      audience: 'Operations leads',
      channel: 'social',
    });
    await harness.supervisor.decideRun(run.id, { approved: false, decidedBy: 'bob', reason: 'off-brand' });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status).toBe('completed');
    expect(done.stateValue).toBe('REJECTED');
    expect(done.output).toMatchObject({
      outcome: 'rejected',
      revisions: 0,
      decidedBy: 'bob',
      reason: 'off-brand',
    });
    const entity = (approval.details as { entity: string }).entity;
    expect(await observations(harness, entity)).toContain('status: rejected by bob: off-brand');
  });

  it('refuses an unknown channel', async () => {
    await expect(
      harness.supervisor.startRun('marketing', { topic: 't', audience: 'a', channel: 'fax' }),
    ).rejects.toThrow(/marketing agent input: channel/);
  });
});

describe('marketing agent, across a restart', { timeout: 180_000 }, () => {
  let first: AgentHarness | undefined;
  let second: AgentHarness | undefined;
  afterAll(async () => {
    await first?.close();
    await second?.dispose();
  });

  it('keeps the draft waiting through a restart and publishes it when approved afterwards', async () => {
    first = await startAgentHarness({ agents: [marketingAgent], builtins: ['memory'] });
    const run = await first.supervisor.startRun('marketing', {
      topic: 'workflow automation',
      audience: 'Ops leads',
      channel: 'email',
    });
    await first.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval' || FINAL(s), 90_000);
    await first.close();

    // A new process on the same home: the approval and the snapshot are all that is left.
    second = await startAgentHarness({ agents: [marketingAgent], builtins: ['memory'], home: first.home });
    await second.supervisor.decideRun(run.id, { approved: true, decidedBy: 'dana' });
    const done = await second.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const output = done.output as Output;
    expect(output).toMatchObject({ outcome: 'published', decidedBy: 'dana' });
    expect(await observations(second, output.entity)).toEqual(
      expect.arrayContaining(['status: awaiting_approval', 'status: approved by dana']),
    );
  });
});

describe('marketing agent, with a model', { timeout: 120_000 }, () => {
  let llm: FakeOpenAI;
  let harness: AgentHarness;
  const first = {
    title: 'Automate it',
    body: 'Workflow automation is great for operations leads everywhere today.',
  };
  const revised = {
    title: 'Automate the busywork',
    body: 'Operations leads: automate one process this week, measure it, then grow. Learn more on our blog.',
  };
  beforeAll(async () => {
    llm = await startFakeOpenAI({
      script: [
        openaiText(JSON.stringify(first)),
        openaiText('```json\n' + JSON.stringify(revised) + '\n```'),
      ],
    });
    harness = await startAgentHarness({
      agents: [marketingAgent],
      builtins: ['memory'],
      llm: {
        default: 'main',
        models: { main: { provider: 'openai', model: 'gpt-4o-mini', apiKey: 'test', baseURL: llm.baseURL } },
      },
    });
  });
  afterAll(async () => {
    await harness?.dispose();
    await llm?.close();
  });

  it('drafts with the model and has it revise a draft that scores below the threshold', async () => {
    const run = await harness.supervisor.startRun('marketing', {
      topic: 'workflow automation',
      audience: 'Operations leads',
      channel: 'social',
    });
    await harness.supervisor.waitFor(run.id, (s) => s === 'awaiting_approval' || FINAL(s), 90_000);
    await harness.supervisor.decideRun(run.id, { approved: true, decidedBy: 'carol' });
    const done = await harness.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const output = done.output as Output;
    expect(output.draft).toEqual(revised);
    expect(output.revisions).toBe(1);
    expect(output.scores[0]).toBeLessThan(75);
    expect(output.score).toBeGreaterThanOrEqual(75);
    // The revision request told the model what lost points.
    const requests = llm.chatRequests();
    expect(requests).toHaveLength(2);
    expect(JSON.stringify(requests[1]?.messages)).toContain('call_to_action');
  });
});
