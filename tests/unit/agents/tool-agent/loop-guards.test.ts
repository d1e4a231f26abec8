import { describe, expect, it } from 'vitest';
import {
  callSignature,
  compactTranscript,
  countCalls,
  findRepeat,
  stableJson,
  trackProgress,
  truncate,
} from '../../../../agents/tool-agent/loop-guards.js';
import type { ChatMessage } from '../../../../runtime/llm/chat-model.js';

const call = (name: string, args: Record<string, unknown>) => ({ name, arguments: args });

describe('callSignature', () => {
  it('is the same for the same arguments in another key order', () => {
    expect(callSignature('t', { a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      callSignature('t', { b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(stableJson({ b: 1, a: undefined, c: null })).toBe('{"b":1,"c":null}');
  });

  it('differs by tool and by arguments', () => {
    expect(callSignature('t', { a: 1 })).not.toBe(callSignature('u', { a: 1 }));
    expect(callSignature('t', { a: 1 })).not.toBe(callSignature('t', { a: 2 }));
  });
});

describe('findRepeat', () => {
  it('allows a call up to maxRepeats times and reports the one past it', () => {
    let counts = {};
    counts = countCalls(counts, [call('search', { q: 'x' })]);
    expect(findRepeat(counts, [call('search', { q: 'x' })], 2)).toBeUndefined();
    counts = countCalls(counts, [call('search', { q: 'x' })]);
    expect(findRepeat(counts, [call('search', { q: 'x' })], 2)).toEqual({ name: 'search', times: 3 });
    expect(findRepeat(counts, [call('search', { q: 'y' })], 2)).toBeUndefined();
  });

  it('counts repeats within one turn of parallel calls', () => {
    expect(findRepeat({}, [call('a', {}), call('a', {})], 1)).toEqual({ name: 'a', times: 2 });
    expect(findRepeat({}, [call('a', {}), call('b', {})], 1)).toBeUndefined();
  });
});

describe('trackProgress', () => {
  const obs = (content: string, name = 'search') => ({ name, content, isError: false });

  it('counts steps whose every observation was seen before, and resets on a new one', () => {
    let state = trackProgress([], 0, [obs('[]')]);
    expect(state).toMatchObject({ progressed: true, stalledSteps: 0 });
    state = trackProgress(state.seen, state.stalledSteps, [obs('[]')]);
    expect(state).toMatchObject({ progressed: false, stalledSteps: 1 });
    state = trackProgress(state.seen, state.stalledSteps, [obs('[]'), obs('[]')]);
    expect(state).toMatchObject({ progressed: false, stalledSteps: 2 });
    state = trackProgress(state.seen, state.stalledSteps, [obs('[]'), obs('{"found":1}')]);
    expect(state).toMatchObject({ progressed: true, stalledSteps: 0 });
  });

  it('treats the same text from another tool, or as an error, as new', () => {
    const first = trackProgress([], 0, [obs('x')]);
    expect(trackProgress(first.seen, 0, [obs('x', 'other')]).progressed).toBe(true);
    expect(trackProgress(first.seen, 0, [{ name: 'search', content: 'x', isError: true }]).progressed).toBe(
      true,
    );
  });

  it('keeps at most maxSeen digests', () => {
    let seen: string[] = [];
    for (let i = 0; i < 10; i += 1) seen = trackProgress(seen, 0, [obs(String(i))], 4).seen;
    expect(seen).toHaveLength(4);
  });
});

describe('truncate', () => {
  it('leaves short text alone and says how much it cut', () => {
    expect(truncate('abc', 5)).toBe('abc');
    const cut = truncate('x'.repeat(10), 4, 'the journal');
    expect(cut.startsWith('xxxx\n')).toBe(true);
    expect(cut).toContain('6 more characters');
    expect(cut).toContain('the journal');
  });
});

describe('compactTranscript', () => {
  const transcript: ChatMessage[] = [
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 't', arguments: {} }] },
    { role: 'tool', toolCallId: 'c1', name: 't', content: 'a'.repeat(5_000) },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c2', name: 't', arguments: {} }] },
    { role: 'tool', toolCallId: 'c2', name: 't', content: 'b'.repeat(5_000) },
  ];

  it('elides the oldest tool results first until the transcript fits, keeping call ids', () => {
    const compacted = compactTranscript(transcript, 7_000);
    expect(Buffer.byteLength(JSON.stringify(compacted))).toBeLessThanOrEqual(7_000);
    expect(compacted[1]).toMatchObject({ role: 'tool', toolCallId: 'c1' });
    expect((compacted[1] as { content: string }).content).toContain('elided');
    expect((compacted[3] as { content: string }).content).toBe('b'.repeat(5_000));
  });

  it('returns a transcript under budget unchanged', () => {
    expect(compactTranscript(transcript, 100_000)).toEqual(transcript);
  });
});
