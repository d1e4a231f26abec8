import { describe, expect, it } from 'vitest';
import { ModelBadOutputError } from '../../../../runtime/llm/model-errors.js';
import { fromOpenAIResponse, toOpenAIMessages, toStopReason } from '../../../../runtime/llm/openai-wire.js';

const context = { provider: 'vllm', model: 'qwen' };

function body(message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { model: 'qwen', choices: [{ index: 0, message, finish_reason: 'stop' }], ...extra };
}

describe('toOpenAIMessages', () => {
  it('sends an assistant turn with tool calls as content null and JSON-string arguments', () => {
    expect(
      toOpenAIMessages([
        { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', arguments: { a: 1 } }] },
      ]),
    ).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 't', arguments: '{"a":1}' } }],
      },
    ]);
  });

  it('marks an error tool result in its content, the format having no flag', () => {
    expect(
      toOpenAIMessages([{ role: 'tool', toolCallId: 'c1', name: 't', content: 'boom', isError: true }]),
    ).toEqual([{ role: 'tool', tool_call_id: 'c1', content: '[tool error] boom' }]);
  });
});

describe('fromOpenAIResponse', () => {
  it('treats tool calls under finish_reason stop as tool use (Ollama, llama.cpp)', () => {
    const parsed = fromOpenAIResponse(
      body({
        role: 'assistant',
        content: '',
        tool_calls: [{ id: 'c', type: 'function', function: { name: 't', arguments: '{}' } }],
      }),
      context,
    );
    expect(parsed.stopReason).toBe('tool_use');
  });

  it('accepts empty arguments as no arguments and invents ids a server left out', () => {
    const parsed = fromOpenAIResponse(
      body({ role: 'assistant', content: null, tool_calls: [{ function: { name: 't', arguments: '' } }] }),
      context,
    );
    expect(parsed.toolCalls).toEqual([{ id: 'call_0', name: 't', arguments: {} }]);
  });

  it('defaults missing usage to zero tokens', () => {
    expect(fromOpenAIResponse(body({ role: 'assistant', content: 'hi' }), context).usage).toEqual({
      inputTokens: 0,
      outputTokens: 0,
    });
  });

  it('rejects arguments that are JSON but not an object', () => {
    expect(() =>
      fromOpenAIResponse(
        body({
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', function: { name: 't', arguments: '[1,2]' } }],
        }),
        context,
      ),
    ).toThrow(/vllm model 'qwen': bad output: arguments of tool call 't' \(c\) are not a JSON object/);
  });

  it('rejects a string body (a server answering text/plain) with a preview of it', () => {
    const error = (() => {
      try {
        fromOpenAIResponse('<html>Bad gateway</html>', context);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelBadOutputError);
    expect((error as Error).message).toContain('<html>Bad gateway</html>');
  });

  it('reports a refusal as such', () => {
    const parsed = fromOpenAIResponse(
      body({ role: 'assistant', content: null, refusal: 'I cannot help.' }),
      context,
    );
    expect(parsed).toMatchObject({ content: 'I cannot help.', stopReason: 'refusal' });
  });
});

describe('toStopReason', () => {
  it('maps finish reasons', () => {
    expect(toStopReason('stop', false)).toBe('end_turn');
    expect(toStopReason('tool_calls', true)).toBe('tool_use');
    expect(toStopReason('length', true)).toBe('max_tokens');
    expect(toStopReason('content_filter', false)).toBe('refusal');
    expect(toStopReason(undefined, false)).toBe('other');
  });
});
