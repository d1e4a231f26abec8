import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from './chat-model.js';

/**
 * Token and cost accounting per run and per (user, service), the two views the platforms this
 * runtime grew from bill by. In memory: whoever persists runs reads the totals out (or records
 * each {@link UsageRecord} itself through `onRecord`).
 */

export interface UsageKey {
  runId?: string;
  userId?: string;
  /** The service (agent, API client, tenant product) the cost is charged to. */
  service?: string;
}

export interface UsageRecord extends UsageKey {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Undefined when the model has no price. */
  costUsd: number | undefined;
  attempts: number;
}

export interface UsageTotals {
  requests: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum over priced requests only; see `unpricedRequests`. */
  costUsd: number;
  /** Requests whose model had no price: their tokens count, their cost is unknown (not zero). */
  unpricedRequests: number;
}

const emptyTotals = (): UsageTotals => ({
  requests: 0,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  unpricedRequests: 0,
});

export interface UsageMeterOptions {
  /** Called with every record, e.g. to write it to the runs table. */
  onRecord?: (record: UsageRecord) => void;
}

export class UsageMeter {
  readonly #total = emptyTotals();
  readonly #byRun = new Map<string, UsageTotals>();
  readonly #byUserService = new Map<string, { userId: string; service: string; totals: UsageTotals }>();
  readonly #onRecord: ((record: UsageRecord) => void) | undefined;

  constructor(options: UsageMeterOptions = {}) {
    this.#onRecord = options.onRecord;
  }

  /** Adds one response's usage under `key`. */
  record(key: UsageKey, response: ChatResponse, provider: string): UsageRecord {
    const record: UsageRecord = {
      ...key,
      provider,
      model: response.model,
      inputTokens: response.usage.inputTokens,
      outputTokens: response.usage.outputTokens,
      costUsd: response.costUsd,
      attempts: response.attempts,
    };
    add(this.#total, record);
    if (key.runId !== undefined) add(getOrCreate(this.#byRun, key.runId, emptyTotals), record);
    if (key.userId !== undefined || key.service !== undefined) {
      const userId = key.userId ?? '';
      const service = key.service ?? '';
      // JSON of the pair: no separator character can make two different pairs collide.
      const slot = getOrCreate(this.#byUserService, JSON.stringify([userId, service]), () => ({
        userId,
        service,
        totals: emptyTotals(),
      }));
      add(slot.totals, record);
    }
    this.#onRecord?.(record);
    return record;
  }

  /** Everything recorded. */
  total(): UsageTotals {
    return { ...this.#total };
  }

  forRun(runId: string): UsageTotals {
    return { ...(this.#byRun.get(runId) ?? emptyTotals()) };
  }

  /** Totals of one user on one service; an empty string stands for "not given". */
  forUserService(userId: string, service: string): UsageTotals {
    return { ...(this.#byUserService.get(JSON.stringify([userId, service]))?.totals ?? emptyTotals()) };
  }

  /** One row per (user, service) pair seen. */
  byUserService(): Array<{ userId: string; service: string; totals: UsageTotals }> {
    return [...this.#byUserService.values()].map((row) => ({ ...row, totals: { ...row.totals } }));
  }
}

/**
 * Wraps a model so that every response it returns is recorded under `key`. The wrapper is cheap:
 * make one per run.
 */
export function meteredChatModel(model: ChatModel, meter: UsageMeter, key: UsageKey): ChatModel {
  const metered: ChatModel = {
    provider: model.provider,
    model: model.model,
    async chat(request: ChatRequest): Promise<ChatResponse> {
      const response = await model.chat(request);
      meter.record(key, response, model.provider);
      return response;
    },
  };
  const stream = model.stream?.bind(model);
  if (stream) {
    metered.stream = async function* (request: ChatRequest): AsyncIterable<ChatStreamEvent> {
      for await (const event of stream(request)) {
        if (event.type === 'done') meter.record(key, event.response, model.provider);
        yield event;
      }
    };
  }
  return metered;
}

function add(totals: UsageTotals, record: UsageRecord): void {
  totals.requests += 1;
  totals.inputTokens += record.inputTokens;
  totals.outputTokens += record.outputTokens;
  if (record.costUsd === undefined) totals.unpricedRequests += 1;
  else totals.costUsd = Math.round((totals.costUsd + record.costUsd) * 1e12) / 1e12;
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}
