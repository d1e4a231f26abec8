import type { RunServices } from '#runtime/actors';
import { SwitchyardError } from '#core';
import type { AccountFacts, Recommendation } from './recommendation.js';
import { historyEntityName } from './recommendation.js';
import { outcomeObservation } from './review-memory.js';
import { type ErrorInfo, textOf, toolData } from '../agent-steps.js';

/**
 * The account review's own effects (the sub-agents have theirs): the review's day, the crm writes
 * of the approved recommendations, and the outcome stored in memory. Each is keyed from the run's
 * step names, never from time, so a resumed run replays them from the effects journal.
 */

export const REQUIRED_TOOLS = [
  'crm__get_account',
  'crm__account_health',
  'crm__create_task',
  'crm__create_note',
  'crm__update_account',
  'memory__open_nodes',
  'memory__create_entities',
  'memory__add_observations',
] as const;

/** The review's day (YYYY-MM-DD), journaled so a resumed run keeps the day it started on. */
export async function initialize(services: RunServices): Promise<{ asOf: string }> {
  const available = new Set(services.listTools().map((t) => t.name));
  const missing = REQUIRED_TOOLS.filter((t) => !available.has(t));
  if (missing.length > 0)
    throw new SwitchyardError(
      'tools_unavailable',
      `the account review needs the crm and memory servers; missing tools: ${missing.join(', ')}`,
      { details: { missing } },
    );
  const asOf = await services.effect(
    'init/as_of',
    { kind: 'clock', name: 'today', idempotent: true },
    async () => new Date(services.now()).toISOString().slice(0, 10),
  );
  return { asOf };
}

export interface ExecutedWrite {
  index: number;
  action: Recommendation['action'];
  title: string;
  ok: boolean;
  /** The crm record written (the task, the note, or the account). */
  recordId?: string;
  error?: ErrorInfo;
}

export interface ExecuteInput {
  accountId: string;
  accountVersion: number;
  recommendations: Recommendation[];
}

/**
 * Applies the approved recommendations one after another. Each write is `execute/<i>` in the
 * journal and carries the idempotency key `<runId>/execute/<i>` to the crm, so neither a resumed
 * run nor a repeated request creates a second record. A write the crm refuses (an `isError`
 * result: a stale version, a bad field) is recorded and the others still go ahead.
 */
export async function executeRecommendations(
  services: RunServices,
  input: ExecuteInput,
  signal: AbortSignal,
): Promise<ExecutedWrite[]> {
  const executed: ExecutedWrite[] = [];
  for (const [index, r] of input.recommendations.entries()) {
    const key = `execute/${index}`;
    const idempotencyKey = `${services.runId}/${key}`;
    const { tool, args } = writeFor(r, input, idempotencyKey);
    // Safe to repeat after a crash: creates carry an idempotency key the crm dedupes on, and an
    // update carries expectedVersion, so a second attempt of an applied one is refused, not applied.
    const result = await services.callTool(key, tool, args, { signal, idempotent: true });
    const base = { index, action: r.action, title: r.title };
    if (result.isError === true) {
      executed.push({
        ...base,
        ok: false,
        error: { code: 'crm_refused', message: textOf(result).slice(0, 500) },
      });
      continue;
    }
    const record = toolData(result, tool)['record'] as { id?: unknown } | undefined;
    executed.push({ ...base, ok: true, ...(typeof record?.id === 'string' ? { recordId: record.id } : {}) });
  }
  return executed;
}

function writeFor(
  r: Recommendation,
  input: ExecuteInput,
  idempotencyKey: string,
): { tool: string; args: Record<string, unknown> } {
  switch (r.action) {
    case 'create_task':
      return {
        tool: 'crm__create_task',
        args: {
          accountId: input.accountId,
          title: r.title,
          description: r.detail,
          ...(r.priority ? { priority: r.priority } : {}),
          ...(r.dueDate ? { dueDate: r.dueDate } : {}),
          idempotencyKey,
        },
      };
    case 'add_note':
      return {
        tool: 'crm__create_note',
        args: { accountId: input.accountId, body: `${r.title}\n\n${r.detail}`, idempotencyKey },
      };
    case 'update_status':
      // Updates take no idempotency key: expectedVersion makes a repeat write nothing.
      return {
        tool: 'crm__update_account',
        args: { id: input.accountId, expectedVersion: input.accountVersion, status: r.newStatus },
      };
  }
}

export interface SyncInput {
  accountId: string;
  accountName: string;
  asOf: string;
  outcome: string;
  facts: Pick<AccountFacts, 'riskScore' | 'riskLevel'>;
  executed: number;
  titles: string[];
}

/** Stores the review's outcome on the account's memory entity (created the first time). */
export async function syncMemory(
  services: RunServices,
  input: SyncInput,
  signal: AbortSignal,
): Promise<void> {
  const entityName = historyEntityName(input.accountId);
  // create_entities leaves an existing entity alone; add_observations stores a text once: both are
  // safe to repeat after a crash (`idempotent: true`), though the server cannot promise it for
  // every caller and so does not say so in its annotations.
  const created = await services.callTool(
    'memory/create_entity',
    'memory__create_entities',
    {
      entities: [
        {
          name: entityName,
          entityType: 'crm_account',
          observations: [`crm account ${input.accountId} (${input.accountName})`],
        },
      ],
    },
    { signal, idempotent: true },
  );
  toolData(created, 'memory__create_entities');
  const added = await services.callTool(
    'memory/add_observation',
    'memory__add_observations',
    {
      observations: [
        {
          entityName,
          contents: [
            outcomeObservation({
              runId: services.runId,
              asOf: input.asOf,
              outcome: input.outcome,
              riskScore: input.facts.riskScore,
              riskLevel: input.facts.riskLevel,
              executed: input.executed,
              titles: input.titles,
            }),
          ],
        },
      ],
    },
    { signal, idempotent: true },
  );
  toolData(added, 'memory__add_observations');
}
