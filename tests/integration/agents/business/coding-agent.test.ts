import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codingAgent } from '../../../../agents/coding/coding-agent.js';
import { type AgentHarness, startAgentHarness } from '../../../support/agent-harness.js';
import { FakeGitHub } from '../../../support/fake-github.js';
import { openaiText, startFakeOpenAI, type FakeOpenAI } from '../../../support/fake-llm/fake-openai.js';

const FINAL = (s: string) => ['completed', 'failed', 'cancelled'].includes(s);

describe('coding agent', { timeout: 120_000 }, () => {
  let fake: FakeGitHub;
  let offline: AgentHarness;

  // One harness serves the offline tests; the model test starts its own with an llm section.
  beforeAll(async () => {
    fake = await FakeGitHub.start();
    offline = await start();
  });
  afterAll(async () => {
    await offline?.dispose();
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    fake.addRepo({
      owner: 'octo',
      name: 'hello',
      files: {
        'README.md': '# hello\n',
        'CHANGELOG.md': '# Changelog\n\n## Unreleased\n\n- First entry\n\n## 1.0.0\n\n- Initial release\n',
        'src/index.ts': 'export const greet = (name: string) => `hello ${name}`;\n',
      },
    });
  });

  function start(llmConfig?: Record<string, unknown>): Promise<AgentHarness> {
    return startAgentHarness({
      agents: [codingAgent],
      builtins: ['github'],
      github: { apiUrl: fake.url, token: 'test-token' },
      ...(llmConfig ? { llm: llmConfig } : {}),
    });
  }

  it('offline, records the request in the CHANGELOG on a new branch and opens a pull request', async () => {
    const run = await offline.supervisor.startRun('coding', {
      repo: 'octo/hello',
      request: 'Add a farewell function',
    });
    const done = await offline.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const output = done.output as {
      pullRequest: { number: number; url: string };
      branch: string;
      how: string;
    };
    expect(output.how).toBe('changelog');
    expect(output.branch).toMatch(/^switchyard\/add-a-farewell-function-/);
    const pull = fake.repo('octo', 'hello').issues.find((i) => i.number === output.pullRequest.number);
    expect(pull?.pull).toMatchObject({ head: output.branch, base: 'main' });
    expect(pull?.title).toBe('Add a farewell function');
    expect(fake.readFile('octo', 'hello', output.branch, 'CHANGELOG.md')).toBe(
      '# Changelog\n\n## Unreleased\n\n- First entry\n- Add a farewell function\n\n## 1.0.0\n\n- Initial release\n',
    );
    // The base branch is untouched: the change lives on the pull request's branch only.
    expect(fake.readFile('octo', 'hello', 'main', 'CHANGELOG.md')).not.toContain('farewell');
    const states = (await offline.supervisor.listEvents(run.id))
      .filter((e) => e.type === 'state_entered')
      .map((e) => (e.data as { state: unknown }).state);
    expect(states).toEqual(
      expect.arrayContaining(['ANALYSING', 'WRITING', 'BRANCHING', 'PUSHING', 'OPENING_PR']),
    );
    expect(done.stateValue).toBe('DONE');
  });

  it('pushes the given changes as they are', async () => {
    const run = await offline.supervisor.startRun('coding', {
      repo: 'octo/hello',
      base: 'main',
      request: 'Greet loudly',
      changes: [{ path: 'src/index.ts', content: 'export const greet = (n: string) => `HELLO ${n}`;\n' }],
    });
    const done = await offline.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    const output = done.output as { branch: string; files: string[]; how: string };
    expect(output).toMatchObject({ how: 'given', files: ['src/index.ts'] });
    expect(fake.readFile('octo', 'hello', output.branch, 'src/index.ts')).toContain('HELLO');
  });

  it('fails clearly when the repository does not exist', async () => {
    const run = await offline.supervisor.startRun('coding', { repo: 'octo/missing', request: 'Anything' });
    const done = await offline.supervisor.waitFor(run.id, FINAL, 90_000);

    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/github__/);
  });

  it('refuses input without a repository in owner/name form', async () => {
    await expect(offline.supervisor.startRun('coding', { repo: 'hello', request: 'x' })).rejects.toThrow(
      /repo: expected a repository as "owner\/name"/,
    );
  });

  describe('with a model', () => {
    const answer = {
      files: [{ path: 'src/farewell.ts', content: 'export const farewell = (n: string) => `bye ${n}`;\n' }],
      title: 'Add farewell()',
      summary: 'A goodbye function.',
    };
    let model: AgentHarness;
    let server: FakeOpenAI;
    beforeAll(async () => {
      server = await startFakeOpenAI({
        script: [
          openaiText('```json\n' + JSON.stringify(answer) + '\n```'),
          openaiText('Sorry, I would rather not write code today.'),
        ],
      });
      model = await start({
        default: 'main',
        models: {
          main: { provider: 'openai', model: 'gpt-4o-mini', apiKey: 'test', baseURL: server.baseURL },
        },
      });
    });
    afterAll(async () => {
      await model?.dispose();
      await server?.close();
    });

    it('pushes the files the model wrote', async () => {
      const run = await model.supervisor.startRun('coding', {
        repo: 'octo/hello',
        request: 'Add a farewell next to greet in src/index.ts',
      });
      const done = await model.supervisor.waitFor(run.id, FINAL, 90_000);

      expect(done.status, JSON.stringify(done.error)).toBe('completed');
      const output = done.output as { branch: string; how: string; pullRequest: { number: number } };
      expect(output.how).toBe('model');
      expect(fake.readFile('octo', 'hello', output.branch, 'src/farewell.ts')).toBe(answer.files[0]!.content);
      expect(
        fake.repo('octo', 'hello').issues.find((i) => i.number === output.pullRequest.number)?.title,
      ).toBe('Add farewell()');
      // The model saw the file the request named, read from the repository.
      const prompt = JSON.stringify(server.chatRequests()[0]?.messages);
      expect(prompt).toContain('src/index.ts');
      expect(prompt).toContain('hello ${name}');
    });

    it('falls back to the CHANGELOG entry when the model answers something unusable', async () => {
      const run = await model.supervisor.startRun('coding', {
        repo: 'octo/hello',
        request: 'Document the API',
      });
      const done = await model.supervisor.waitFor(run.id, FINAL, 90_000);

      expect(done.status, JSON.stringify(done.error)).toBe('completed');
      const output = done.output as { branch: string; how: string };
      expect(output.how).toBe('changelog');
      expect(fake.readFile('octo', 'hello', output.branch, 'CHANGELOG.md')).toContain('- Document the API\n');
      const events = await model.supervisor.listEvents(run.id);
      expect(events.map((e) => e.type)).toContain('model_answer_rejected');
    });
  });
});
