import { describe, expect, it } from 'vitest';
import { parseClientFrame } from '../../../../bridge/api/event-frames.js';

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
