import { z } from 'zod';
import type { TokenUsage } from './chat-model.js';

/**
 * USD prices per million tokens, per model, and the cost of a request from its token usage.
 * Model names are matched exactly or by a glob (`*` any run of characters, `?` one character),
 * so `claude-sonnet-4*` prices every dated snapshot of that model.
 */

export const ModelPriceSchema = z.strictObject({
  /** USD per million input (prompt) tokens. */
  inputPerMTok: z.number().min(0),
  /** USD per million output (completion) tokens. */
  outputPerMTok: z.number().min(0),
});
export type ModelPrice = z.output<typeof ModelPriceSchema>;

/** Config form: model name or glob → price. */
export const PricesSchema = z.record(z.string().min(1), ModelPriceSchema);
export type Prices = z.output<typeof PricesSchema>;

/**
 * EXAMPLES ONLY — list prices as published by OpenAI and Anthropic when this file was written.
 * Prices change and differ by contract, region and batch/cached use: check them against your
 * provider's pricing page and set your own under `llm.prices` (yours take precedence).
 */
export const EXAMPLE_PRICES: Prices = {
  'gpt-4o': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-2024-*': { inputPerMTok: 2.5, outputPerMTok: 10 },
  'gpt-4o-mini*': { inputPerMTok: 0.15, outputPerMTok: 0.6 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-2025-*': { inputPerMTok: 2, outputPerMTok: 8 },
  'gpt-4.1-mini*': { inputPerMTok: 0.4, outputPerMTok: 1.6 },
  'gpt-4.1-nano*': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'claude-sonnet-4*': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-7-sonnet*': { inputPerMTok: 3, outputPerMTok: 15 },
  'claude-3-5-haiku*': { inputPerMTok: 0.8, outputPerMTok: 4 },
  'claude-haiku-4-5*': { inputPerMTok: 1, outputPerMTok: 5 },
  'claude-opus-4-1*': { inputPerMTok: 15, outputPerMTok: 75 },
};

interface Entry {
  pattern: string;
  price: ModelPrice;
  regex: RegExp | undefined;
  /** Literal characters in the pattern: among matching globs, the most specific wins. */
  specificity: number;
}

export interface PriceTableOptions {
  /** Include {@link EXAMPLE_PRICES} after the given prices. @defaultValue true */
  includeExamples?: boolean;
  /** Consulted (after the examples, if included) for models this table does not price. */
  fallback?: PriceTable;
}

export class PriceTable {
  readonly #tiers: Entry[][];
  readonly #fallback: PriceTable | undefined;

  /**
   * @param prices Model name or glob → price; these win over the examples.
   */
  constructor(prices: Prices = {}, options: PriceTableOptions = {}) {
    const { includeExamples = true } = options;
    const parsed = PricesSchema.safeParse(prices);
    if (!parsed.success) throw new RangeError(`PriceTable: invalid prices: ${z.prettifyError(parsed.error)}`);
    this.#tiers = [toEntries(parsed.data)];
    if (includeExamples) this.#tiers.push(toEntries(EXAMPLE_PRICES));
    this.#fallback = options.fallback;
  }

  /** The price of `model`: an exact name first, then the most specific glob; configured before examples. */
  priceOf(model: string): ModelPrice | undefined {
    for (const tier of this.#tiers) {
      const exact = tier.find((entry) => entry.regex === undefined && entry.pattern === model);
      if (exact) return exact.price;
      const glob = tier.find((entry) => entry.regex?.test(model));
      if (glob) return glob.price;
    }
    return this.#fallback?.priceOf(model);
  }

  /** USD cost of `usage` on `model`, or undefined when the model has no price. */
  costOf(model: string, usage: TokenUsage): number | undefined {
    const price = this.priceOf(model);
    return price === undefined ? undefined : computeCost(price, usage);
  }
}

export function computeCost(price: ModelPrice, usage: TokenUsage): number {
  const cost =
    (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000;
  // Round away binary-float noise (0.1 + 0.2) at a precision far below a billable amount.
  return Math.round(cost * 1e12) / 1e12;
}

function toEntries(prices: Prices): Entry[] {
  return Object.entries(prices)
    .map(([pattern, price]) => {
      const isGlob = /[*?]/.test(pattern);
      return {
        pattern,
        price,
        regex: isGlob ? globToRegExp(pattern) : undefined,
        specificity: pattern.replace(/[*?]/g, '').length,
      };
    })
    .sort((a, b) => b.specificity - a.specificity);
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('')
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}
