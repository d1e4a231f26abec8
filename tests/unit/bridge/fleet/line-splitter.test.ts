import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../../../bridge/fleet/line-splitter.js';

function split(chunks: Array<Buffer | string>, max?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), max);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('joins lines split across chunks and drops blank lines and carriage returns', () => {
    expect(split(['one\ntw', 'o\r\n\n', 'three'])).toEqual(['one', 'two', 'three']);
  });

  it('keeps a multi-byte character that is split across chunks', () => {
    const bytes = Buffer.from('héllo\n');
    expect(split([bytes.subarray(0, 2), bytes.subarray(2)])).toEqual(['héllo']);
  });

  it('cuts a line that never ends into pieces of the maximum length', () => {
    expect(split(['abcdefghij'], 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});
