/** One submit's fate, as the client saw it. */
export type SubmitOutcome =
  /** 202 with a run id: the service promised to run it. */
  | { kind: 'answered'; runId: string; created: boolean }
  /**
   * An HTTP error status, or a connection refused (status 0: the request never reached a
   * server): no run may exist for it.
   */
  | { kind: 'refused'; status: number; body: string }
  /** No answer (connection reset, timeout): either way is allowed, but at most once. */
  | { kind: 'unanswered'; error: string };

export interface TaskSpecBody {
  agent: string;
  input: unknown;
  idempotencyKey?: string;
}

export interface SubmitRecord {
  index: number;
  spec: TaskSpecBody;
  outcome: SubmitOutcome;
  /** When the submit was sent (epoch ms). */
  at: number;
  /** How long it took to get its outcome. */
  ms: number;
}

/** Submits by kind (answered, refused, unanswered) and the answered run ids. */
export class SubmitLedger {
  readonly records: SubmitRecord[] = [];

  get answered(): Array<SubmitRecord & { outcome: { kind: 'answered' } }> {
    return this.records.filter(
      (r): r is SubmitRecord & { outcome: { kind: 'answered'; runId: string; created: boolean } } =>
        r.outcome.kind === 'answered',
    );
  }

  get refused(): SubmitRecord[] {
    return this.records.filter((r) => r.outcome.kind === 'refused');
  }

  get unanswered(): SubmitRecord[] {
    return this.records.filter((r) => r.outcome.kind === 'unanswered');
  }

  get runIds(): string[] {
    return this.answered.map((r) => r.outcome.runId);
  }

  /** `answered N, refused N (statuses), unanswered N` with the first reasons. */
  describe(): string {
    const statuses = new Map<string, number>();
    for (const r of this.refused) {
      const key = r.outcome.kind === 'refused' ? `${r.outcome.status}` : '';
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
    const firstRefusal = this.refused[0]?.outcome;
    const firstError = this.unanswered[0]?.outcome;
    const slowest = Math.max(0, ...this.records.map((r) => r.ms));
    return (
      `answered ${this.answered.length}, refused ${this.refused.length}` +
      (statuses.size ? ` (${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')})` : '') +
      `, unanswered ${this.unanswered.length}, slowest answer ${slowest} ms` +
      (firstRefusal?.kind === 'refused' ? `; first refusal: ${firstRefusal.body.slice(0, 300)}` : '') +
      (firstError?.kind === 'unanswered' ? `; first no-answer: ${firstError.error}` : '')
    );
  }
}

/**
 * The bridge's REST API as the chaos tests use it: a bearer key, JSON bodies with their content
 * type, and the Host the API accepts (127.0.0.1). `baseUrl` is read on every request, so a bridge
 * restarted elsewhere is followed.
 */
export class TaskClient {
  constructor(
    private readonly baseUrl: () => string,
    private readonly apiKey: string,
    /** Per request. @defaultValue 15000 */
    private readonly timeoutMs = 15_000,
  ) {}

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  /** GET as JSON; throws with the status and body on a non-2xx answer. */
  async getJson<T>(path: string): Promise<T> {
    const response = await this.request('GET', path);
    const text = await response.text();
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  /** POST /v1/tasks, classified (never throws). */
  async submit(spec: TaskSpecBody): Promise<SubmitOutcome> {
    try {
      const response = await this.request('POST', '/v1/tasks', spec);
      const text = await response.text();
      if (response.status !== 202) return { kind: 'refused', status: response.status, body: text };
      const body = JSON.parse(text) as { runId?: unknown; created?: unknown };
      if (typeof body.runId !== 'string')
        return { kind: 'refused', status: response.status, body: `202 without a runId: ${text}` };
      return { kind: 'answered', runId: body.runId, created: body.created === true };
    } catch (error) {
      const described = describeFetchError(error);
      if (/ECONNREFUSED/.test(described)) return { kind: 'refused', status: 0, body: described };
      return { kind: 'unanswered', error: described };
    }
  }

  /**
   * POST /v1/runs/:id/approve. `approved` (200), `decided` (409: nothing pending, which after a
   * retry means the earlier attempt landed), or `failed` with why (any other answer, or none).
   */
  async approve(runId: string): Promise<{ kind: 'approved' | 'decided' } | { kind: 'failed'; why: string }> {
    try {
      const response = await this.request('POST', `/v1/runs/${encodeURIComponent(runId)}/approve`, {});
      const text = await response.text();
      if (response.status === 200) return { kind: 'approved' };
      if (response.status === 409) return { kind: 'decided' };
      return { kind: 'failed', why: `${response.status} ${text.slice(0, 300)}` };
    } catch (error) {
      return { kind: 'failed', why: describeFetchError(error) };
    }
  }

  /**
   * Approves every run, `concurrency` at a time, each retried (every 500 ms, for up to
   * `retryForMs`) until the API answers 200 or 409: a decision must survive the fault it meets.
   * Answers the runs that could not be approved, with the last reason.
   */
  async approveAll(
    runIds: readonly string[],
    options: { concurrency?: number; retryForMs?: number; onDecided?: (done: number) => void } = {},
  ): Promise<Array<{ runId: string; why: string }>> {
    const failed: Array<{ runId: string; why: string }> = [];
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < runIds.length) {
        const runId = runIds[next++]!;
        const deadline = Date.now() + (options.retryForMs ?? 60_000);
        for (;;) {
          const result = await this.approve(runId);
          if (result.kind !== 'failed') break;
          if (Date.now() > deadline) {
            failed.push({ runId, why: result.why });
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        options.onDecided?.(++done);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, lane));
    return failed;
  }

  /**
   * Submits every spec, `concurrency` at a time, into `ledger` (in submit order of index).
   * `beforeEach` runs before each submit (e.g. to wait for a phase of the test).
   */
  async submitAll(
    specs: readonly TaskSpecBody[],
    options: {
      concurrency?: number;
      ledger?: SubmitLedger;
      beforeEach?: (index: number) => Promise<void>;
    } = {},
  ): Promise<SubmitLedger> {
    const ledger = options.ledger ?? new SubmitLedger();
    let next = 0;
    const lane = async () => {
      while (next < specs.length) {
        const index = next++;
        await options.beforeEach?.(index);
        const spec = specs[index]!;
        const at = Date.now();
        const outcome = await this.submit(spec);
        ledger.records.push({ index, spec, outcome, at, ms: Date.now() - at });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, lane));
    ledger.records.sort((a, b) => a.index - b.index);
    return ledger;
  }
}

/** fetch's errors hide the socket error in `cause`. */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause
    ? `${error.message}: ${cause.code ?? ''} ${cause.message ?? ''}`.trim()
    : `${error.name}: ${error.message}`;
}
