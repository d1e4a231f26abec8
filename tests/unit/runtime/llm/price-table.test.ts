import { describe, expect, it } from 'vitest';
import { computeCost, EXAMPLE_PRICES, PriceTable } from '../../../../runtime/llm/price-table.js';

describe('PriceTable', () => {
  it('prices an exact name before a glob, and the most specific glob first', () => {
    const table = new PriceTable(
      {
        'gpt-4o*': { inputPerMTok: 1, outputPerMTok: 1 },
        'gpt-4o-mini*': { inputPerMTok: 2, outputPerMTok: 2 },
        'gpt-4o-mini': { inputPerMTok: 3, outputPerMTok: 3 },
      },
      { includeExamples: false },
    );
    expect(table.priceOf('gpt-4o-mini')?.inputPerMTok).toBe(3);
    expect(table.priceOf('gpt-4o-mini-2024-07-18')?.inputPerMTok).toBe(2);
    expect(table.priceOf('gpt-4o-2024-08-06')?.inputPerMTok).toBe(1);
    expect(table.priceOf('o3')).toBeUndefined();
  });

  it('treats glob characters literally except * and ?', () => {
    const table = new PriceTable(
      { 'llama3.?:8b': { inputPerMTok: 1, outputPerMTok: 1 } },
      { includeExamples: false },
    );
    expect(table.priceOf('llama3.1:8b')).toBeDefined();
    expect(table.priceOf('llama3x1:8b')).toBeUndefined();
  });

  it('lets configured prices win over the examples, which price the rest', () => {
    const table = new PriceTable({ 'claude-sonnet-4*': { inputPerMTok: 1, outputPerMTok: 1 } });
    expect(table.priceOf('claude-sonnet-4-5')?.inputPerMTok).toBe(1);
    expect(table.priceOf('gpt-4o-mini')).toEqual(EXAMPLE_PRICES['gpt-4o-mini*']);
    expect(new PriceTable({}, { includeExamples: false }).priceOf('gpt-4o-mini')).toBeUndefined();
  });

  it('falls back to another table for models it does not price', () => {
    const shared = new PriceTable(
      { 'm-*': { inputPerMTok: 5, outputPerMTok: 5 } },
      { includeExamples: false },
    );
    const own = new PriceTable(
      { 'm-1': { inputPerMTok: 1, outputPerMTok: 1 } },
      { includeExamples: false, fallback: shared },
    );
    expect(own.priceOf('m-1')?.inputPerMTok).toBe(1);
    expect(own.priceOf('m-2')?.inputPerMTok).toBe(5);
  });

  it('computes USD from tokens per million, undefined for an unpriced model', () => {
    const table = new PriceTable({ m: { inputPerMTok: 3, outputPerMTok: 15 } }, { includeExamples: false });
    expect(table.costOf('m', { inputTokens: 1_000_000, outputTokens: 100_000 })).toBe(4.5);
    expect(table.costOf('other', { inputTokens: 1, outputTokens: 1 })).toBeUndefined();
    expect(computeCost({ inputPerMTok: 0.1, outputPerMTok: 0.2 }, { inputTokens: 1, outputTokens: 1 })).toBe(
      3e-7,
    );
  });

  it('rejects a negative price', () => {
    expect(() => new PriceTable({ m: { inputPerMTok: -1, outputPerMTok: 1 } })).toThrow(/invalid prices/);
  });
});
