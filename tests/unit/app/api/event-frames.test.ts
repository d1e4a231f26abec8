import { describe, expect, it } from 'vitest';
import { parseClientFrame, ServerFrameSchema } from '../../../../app/api/event-frames.js';
import { DecisionBodySchema } from '../../../../app/api/task-routes.js';

describe('parseClientFrame', () => {
  it('accepts subscribe, unsubscribe and ping', () => {
    expect(parseClientFrame('{"type":"subscribe","topics":["servers","tools"]}')).toEqual({
      frame: { type: 'subscribe', topics: ['servers', 'tools'] },
    });
    expect(parseClientFrame('{"type":"unsubscribe","topics":["catalog"]}')).toEqual({
      frame: { type: 'unsubscribe', topics: ['catalog'] },
    });
    expect(parseClientFrame('{"type":"ping"}')).toEqual({ frame: { type: 'ping' } });
  });

  it('accepts approve and reject of a run, with an optional reason', () => {
    expect(parseClientFrame('{"type":"approve","runId":"r1"}')).toEqual({
      frame: { type: 'approve', runId: 'r1' },
    });
    expect(parseClientFrame('{"type":"reject","runId":"r1","reason":"not today"}')).toEqual({
      frame: { type: 'reject', runId: 'r1', reason: 'not today' },
    });
  });

  it('holds a decision frame to the REST body’s bounds and to its own fields', () => {
    for (const length of [0, 1, 2000, 2001]) {
      const reason = 'x'.repeat(length);
      const rest = DecisionBodySchema.safeParse({ reason }).success;
      const frame = parseClientFrame(JSON.stringify({ type: 'approve', runId: 'r1', reason }));
      expect('frame' in frame, `a reason of ${length} characters`).toBe(rest);
    }
    expect(parseClientFrame('{"type":"reject","runId":"r1","reason":""}')).toMatchObject({
      error: expect.stringMatching(/reason/),
    });
    expect(parseClientFrame('{"type":"approve"}')).toMatchObject({ error: expect.stringMatching(/runId/) });
    // Who decides comes from the key, never from the frame.
    expect(parseClientFrame('{"type":"approve","runId":"r1","decidedBy":"someone"}')).toMatchObject({
      error: expect.stringMatching(/decidedBy/),
    });
  });

  it('describes what is wrong with a malformed frame', () => {
    expect(parseClientFrame('{')).toEqual({ error: 'a frame must be a JSON object' });
    expect(parseClientFrame('{"type":"subscribe","topics":[]}')).toMatchObject({
      error: expect.stringMatching(/topics/),
    });
    expect(parseClientFrame('{"type":"dance"}')).toMatchObject({
      error: expect.stringMatching(/^malformed frame/),
    });
    expect(parseClientFrame('{"type":"ping","extra":1}')).toMatchObject({
      error: expect.stringMatching(/extra/),
    });
  });
});

describe('ServerFrameSchema', () => {
  it('describes the subscribe reply by what the frame changed and counts, not a list of filters', () => {
    const reply = { type: 'subscribed', topics: ['runs'], runId: 'r1', added: 1, subscriptions: 3 };
    expect(ServerFrameSchema.parse(reply)).toEqual(reply);
    expect(ServerFrameSchema.safeParse({ type: 'subscribed', topics: ['runs'] }).success).toBe(false);
  });

  it('describes the unsubscribe, decision and coded error replies', () => {
    for (const frame of [
      { type: 'unsubscribed', topics: ['runs'], removed: 2, subscriptions: 1 },
      { type: 'decided', runId: 'r1', approval: { id: 'r1/gate', state: 'approved', decidedBy: 'ops' } },
      { type: 'error', code: 'forbidden', message: "API key 'app' lacks the 'admin' scope" },
    ])
      expect(ServerFrameSchema.parse(frame)).toEqual(frame);
    expect(ServerFrameSchema.safeParse({ type: 'error', code: 'teapot', message: 'x' }).success).toBe(false);
  });
});
