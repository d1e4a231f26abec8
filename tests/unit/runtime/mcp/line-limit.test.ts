import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type DroppedLine, limitLines, requestIdOf } from '../../../../runtime/mcp/line-limit.js';

async function run(chunks: string[], max: number): Promise<{ out: string; dropped: DroppedLine[] }> {
  const dropped: DroppedLine[] = [];
  const stream = Readable.from(chunks.map((c) => Buffer.from(c))).pipe(
    limitLines(max, (d) => dropped.push(d)),
  );
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return { out, dropped };
}

describe('limitLines', () => {
  it('passes lines within the limit as they are, split across chunks or not', async () => {
    const { out, dropped } = await run(['{"a":1}\n{"b"', ':2}\n', '{"c":3}'], 10);
    expect(out).toBe('{"a":1}\n{"b":2}\n{"c":3}');
    expect(dropped).toEqual([]);
  });

  it('drops a line past the limit whole, across chunks, and goes on with the next', async () => {
    const long = `{"jsonrpc":"2.0","id":7,"method":"ping","params":{"x":"${'a'.repeat(50)}"}}`;
    const { out, dropped } = await run(['{"ok":1}\n', long.slice(0, 30), long.slice(30), '\n{"ok":2}\n'], 40);
    expect(out).toBe('{"ok":1}\n{"ok":2}\n');
    expect(dropped).toHaveLength(1);
    expect(dropped[0]!.bytes).toBe(long.length);
    expect(requestIdOf(dropped[0]!.head)).toBe(7);
  });
});

describe('requestIdOf', () => {
  it('reads a string or number id written before params, and nothing from inside params', () => {
    expect(requestIdOf('{"jsonrpc":"2.0","id":"abc","method":"x","params":{"a":')).toBe('abc');
    expect(requestIdOf('{"id":42,"jsonrpc":"2.0"')).toBe(42);
    expect(requestIdOf('{"jsonrpc":"2.0","method":"n","params":{"id":5}}')).toBeUndefined();
    expect(requestIdOf('garbage')).toBeUndefined();
  });
});
