import { describe, expect, it } from 'vitest';
import type { ChatModel, ChatResponse } from '../../../../runtime/llm/chat-model.js';
import { meteredChatModel, type UsageRecord, UsageMeter } from '../../../../runtime/llm/usage-meter.js';

function response(inputTokens: number, outputTokens: number, costUsd?: number): ChatResponse {
  return {
    message: { role: 'assistant', content: 'x' },
    stopReason: 'end_turn',
    usage: { inputTokens, outputTokens },
    model: 'm',
    ...(costUsd === undefined ? {} : { costUsd }),
    attempts: 1,
  };
}

describe('UsageMeter', () => {
  it('accumulates tokens and cost per run and per (user, service)', () => {
    const meter = new UsageMeter();
    meter.record({ runId: 'r1', userId: 'u1', service: 'crm' }, response(100, 10, 0.1), 'openai');
    meter.record({ runId: 'r1', userId: 'u1', service: 'crm' }, response(200, 20, 0.2), 'openai');
    meter.record({ runId: 'r2', userId: 'u1', service: 'bizdev' }, response(1, 1, 0.5), 'anthropic');

    expect(meter.forRun('r1')).toEqual({
      requests: 2,
      inputTokens: 300,
      outputTokens: 30,
      costUsd: 0.3,
      unpricedRequests: 0,
    });
    expect(meter.forUserService('u1', 'crm').costUsd).toBe(0.3);
    expect(meter.forUserService('u1', 'bizdev').requests).toBe(1);
    expect(meter.byUserService().map((row) => [row.userId, row.service])).toEqual([
      ['u1', 'crm'],
      ['u1', 'bizdev'],
    ]);
    expect(meter.total()).toMatchObject({ requests: 3, costUsd: 0.8 });
    expect(meter.forRun('unknown').requests).toBe(0);
  });

  it('counts tokens of unpriced requests but not a made-up cost', () => {
    const meter = new UsageMeter();
    meter.record({ runId: 'r' }, response(50, 5), 'ollama');
    expect(meter.forRun('r')).toMatchObject({ inputTokens: 50, costUsd: 0, unpricedRequests: 1 });
  });

  it('keeps user and service apart however they are spelled', () => {
    const meter = new UsageMeter();
    meter.record({ userId: 'a:b', service: 'c' }, response(1, 1, 1), 'p');
    meter.record({ userId: 'a', service: 'b:c' }, response(1, 1, 1), 'p');
    expect(meter.byUserService()).toHaveLength(2);
  });
});

describe('meteredChatModel', () => {
  it('records every response of the wrapped model under its key', async () => {
    const inner: ChatModel = { provider: 'openai', model: 'm', chat: async () => response(10, 2, 0.01) };
    const records: UsageRecord[] = [];
    const meter = new UsageMeter({ onRecord: (record) => records.push(record) });
    const model = meteredChatModel(inner, meter, { runId: 'r9', userId: 'u', service: 's' });

    await model.chat({ messages: [] });
    await model.chat({ messages: [] });

    expect(meter.forRun('r9')).toMatchObject({ requests: 2, inputTokens: 20, costUsd: 0.02 });
    expect(records[0]).toMatchObject({ runId: 'r9', provider: 'openai', model: 'm', costUsd: 0.01 });
    expect(model.stream).toBeUndefined();
  });
});
