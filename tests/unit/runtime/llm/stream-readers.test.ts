import { describe, expect, it } from 'vitest';
import { AnthropicStreamReader } from '../../../../runtime/llm/anthropic-wire.js';
import { OpenAIStreamReader } from '../../../../runtime/llm/openai-wire.js';

const context = { provider: 'openai', model: 'm' };

function chunk(delta: Record<string, unknown>, finish_reason: string | null = null) {
  return { model: 'm', choices: [{ index: 0, delta, finish_reason }] };
}

describe('OpenAIStreamReader', () => {
  it('joins interleaved fragments of two tool calls by index, in index order', () => {
    const reader = new OpenAIStreamReader(context);
    const pieces = [
      chunk({ tool_calls: [{ index: 1, id: 'b', function: { name: 'second', arguments: '' } }] }),
      chunk({ tool_calls: [{ index: 0, id: 'a', function: { name: 'first', arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ index: 1, function: { arguments: '{"y":2}' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
      { model: 'm', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } },
    ].flatMap((c) => reader.push(c));

    expect(pieces).toEqual([]);
    const { events, turn } = reader.finish();
    expect(events.map((e) => (e.type === 'tool_call' ? e.call.id : e.type))).toEqual(['a', 'b']);
    expect(turn).toMatchObject({
      toolCalls: [
        { id: 'a', name: 'first', arguments: { x: 1 } },
        { id: 'b', name: 'second', arguments: { y: 2 } },
      ],
      stopReason: 'tool_use',
      usage: { inputTokens: 9, outputTokens: 4 },
    });
  });

  it('rejects a chunk that is not a chat.completion.chunk', () => {
    expect(() => new OpenAIStreamReader(context).push({ choices: 'nope' })).toThrow(
      /bad output: not a chat\.completion\.chunk/,
    );
  });
});

describe('AnthropicStreamReader', () => {
  it('skips event types it does not know and keeps the last cumulative output usage', () => {
    const reader = new AnthropicStreamReader({ provider: 'anthropic', model: 'c' });
    reader.push({
      type: 'message_start',
      message: { model: 'c', usage: { input_tokens: 3, output_tokens: 1 } },
    });
    expect(reader.push({ type: 'some_future_event', whatever: true })).toEqual([]);
    reader.push({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    expect(
      reader.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hi' } }),
    ).toEqual([{ type: 'text', delta: 'hi' }]);
    reader.push({ type: 'content_block_stop', index: 0 });
    reader.push({
      type: 'message_delta',
      delta: { stop_reason: 'max_tokens' },
      usage: { output_tokens: 50 },
    });
    reader.push({ type: 'message_stop' });

    expect(reader.finish().turn).toMatchObject({
      content: 'hi',
      stopReason: 'max_tokens',
      usage: { inputTokens: 3, outputTokens: 50 },
    });
  });
});
