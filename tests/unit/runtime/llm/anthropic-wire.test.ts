import { describe, expect, it } from 'vitest';
import {
  fromAnthropicResponse,
  toAnthropicMessages,
  toAnthropicStopReason,
  toAnthropicTools,
} from '../../../../runtime/llm/anthropic-wire.js';

const context = { provider: 'anthropic', model: 'claude' };

describe('toAnthropicMessages', () => {
  it('joins system messages into the system prompt, out of the turns', () => {
    const { system, messages } = toAnthropicMessages([
      { role: 'system', content: 'A' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'B' },
    ]);
    expect(system).toBe('A\n\nB');
    expect(messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('merges tool results and a following user note into one user turn, tool results first', () => {
    const { messages } = toAnthropicMessages([
      { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'x', arguments: {} }] },
      { role: 'tool', toolCallId: 't1', name: 'x', content: '' },
      { role: 'user', content: 'also this' },
    ]);
    expect(messages).toEqual([
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'x', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1' },
          { type: 'text', text: 'also this' },
        ],
      },
    ]);
  });

  it('drops empty messages instead of sending empty text blocks', () => {
    const { messages } = toAnthropicMessages([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: '' },
      { role: 'user', content: 'b' },
    ]);
    expect(messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
    ]);
  });
});

describe('toAnthropicTools', () => {
  it('gives input_schema a type object when a schema lacks one', () => {
    expect(toAnthropicTools([{ name: 't', inputSchema: { properties: {} } }])).toEqual([
      { name: 't', input_schema: { type: 'object', properties: {} } },
    ]);
  });
});

describe('fromAnthropicResponse', () => {
  it('joins text blocks, ignores thinking blocks and counts cached prompt tokens as input', () => {
    const parsed = fromAnthropicResponse(
      {
        model: 'claude',
        content: [
          { type: 'thinking', thinking: '...', signature: 's' },
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
        stop_reason: 'end_turn',
        usage: {
          input_tokens: 5,
          output_tokens: 2,
          cache_read_input_tokens: 100,
          cache_creation_input_tokens: null,
        },
      },
      context,
    );
    expect(parsed).toMatchObject({
      content: 'ab',
      toolCalls: [],
      usage: { inputTokens: 105, outputTokens: 2 },
    });
  });

  it('rejects a tool_use block without an id', () => {
    expect(() =>
      fromAnthropicResponse(
        { content: [{ type: 'tool_use', name: 't', input: {} }], stop_reason: 'tool_use' },
        context,
      ),
    ).toThrow(/bad output: a tool_use block lacks id or name/);
  });
});

describe('toAnthropicStopReason', () => {
  it('maps stop reasons', () => {
    expect(toAnthropicStopReason('tool_use', true)).toBe('tool_use');
    expect(toAnthropicStopReason('model_context_window_exceeded', false)).toBe('max_tokens');
    expect(toAnthropicStopReason('pause_turn', false)).toBe('other');
    expect(toAnthropicStopReason('refusal', false)).toBe('refusal');
  });
});
