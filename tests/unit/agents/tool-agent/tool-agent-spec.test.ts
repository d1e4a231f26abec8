import { describe, expect, it } from 'vitest';
import { createToolAgent } from '../../../../agents/tool-agent/tool-agent.js';
import { parseToolAgentInput } from '../../../../agents/tool-agent/tool-agent-input.js';
import { parseToolAgentSpec } from '../../../../agents/tool-agent/tool-agent-spec.js';
import { ValidationError } from '../../../../core/errors.js';

const minimal = { name: 'crm-helper', description: 'helps', systemPrompt: 'Be brief.' };

describe('parseToolAgentSpec', () => {
  it('fills the defaults of a minimal spec', () => {
    expect(parseToolAgentSpec(minimal, 'agents/crm-helper.json')).toEqual({
      ...minimal,
      capabilities: [],
      tools: { allow: [], requireApproval: [] },
      maxSteps: 20,
      budget: {},
      loopGuard: { maxRepeats: 2, noProgressSteps: 3 },
    });
  });

  it('names the source and the field that is wrong', () => {
    const attempt = () => parseToolAgentSpec({ ...minimal, name: 'CRM Helper' }, 'agents/crm.yaml');
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/agents\/crm\.yaml: tool-agent spec field 'name'/);
    expect(() => parseToolAgentSpec({ ...minimal, tools: { allow: ['crm__*', ''] } }, 'a.json')).toThrow(
      /field 'tools\.allow\.1'/,
    );
    expect(() => parseToolAgentSpec({ ...minimal, loopGuard: { maxRepeats: 0 } }, 'a.json')).toThrow(
      /field 'loopGuard\.maxRepeats'/,
    );
    expect(() => parseToolAgentSpec({ ...minimal, unknownField: 1 }, 'a.json')).toThrow(ValidationError);
  });
});

describe('createToolAgent', () => {
  it('maps the spec to the agent policy, leaving approval to its own state', () => {
    const definition = createToolAgent(
      parseToolAgentSpec(
        {
          ...minimal,
          model: 'gpt',
          tools: { allow: ['crm__*'], requireApproval: ['crm__update_*'] },
          budget: { maxTokens: 1000, maxCostUsd: 0.5, maxToolCalls: 7 },
          timeoutMs: 60_000,
        },
        'test',
      ),
    );
    expect(definition).toMatchObject({ name: 'crm-helper', model: 'gpt' });
    expect(definition.policy).toMatchObject({
      allowTools: ['crm__*'],
      approvalTools: [],
      limits: { maxTokens: 1000, maxCostUsd: 0.5, maxToolCalls: 7, timeoutMs: 60_000 },
    });
  });
});

describe('parseToolAgentInput', () => {
  it('takes a task or a conversation ending with the user', () => {
    expect(parseToolAgentInput({ task: 'do it' })).toEqual({ task: 'do it' });
    const messages = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
      { role: 'user', content: 'do it' },
    ];
    expect(parseToolAgentInput({ messages })).toEqual({ messages });
  });

  it('rejects anything else with a ValidationError', () => {
    expect(() => parseToolAgentInput({ task: '' })).toThrow(ValidationError);
    expect(() => parseToolAgentInput({ messages: [{ role: 'assistant', content: 'x' }] })).toThrow(
      ValidationError,
    );
    expect(() => parseToolAgentInput('do it')).toThrow(/expected \{ task: string \}/);
  });
});
