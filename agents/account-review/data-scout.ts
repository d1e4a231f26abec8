import { assign, fromPromise, setup } from 'xstate';
import { type RunServices, unprovidedActor } from '#runtime/actors';
import type { AccountFacts, AccountStatus, ContactFacts, DealFacts, HealthFactor } from './recommendation.js';
import { ACCOUNT_STATUSES } from './recommendation.js';
import { errorInfo, type ErrorInfo, type SubAgentOutput, toolData } from '../agent-steps.js';

/**
 * The data scout: reads the account from the crm (`crm__get_account`: the record, contacts, open
 * deals and tasks) and its risk assessment (`crm__account_health`), and boils both down to the
 * {@link AccountFacts} the rest of the review works from. Read-only.
 */

export interface DataScoutInput {
  accountId: string;
  /** The review's day, YYYY-MM-DD (tasks due before it are overdue). */
  asOf: string;
}

export type DataScoutOutput = SubAgentOutput<{ facts: AccountFacts }>;

type Overview = Omit<
  AccountFacts,
  | 'riskScore'
  | 'riskLevel'
  | 'healthFactors'
  | 'daysSinceLastActivity'
  | 'slippedDeals'
  | 'overdueTasks'
  | 'negativeActivitiesLast90Days'
>;

export interface ScoutContext extends DataScoutInput {
  overview: Overview | null;
  facts: AccountFacts | null;
  error: ErrorInfo | null;
}

/** The statechart alone: its actors come from a run's services (createDataScout). */
export const dataScoutMachine = setup({
  types: {} as { input: DataScoutInput; context: ScoutContext; output: DataScoutOutput },
  actors: {
    readAccount: unprovidedActor<Overview, DataScoutInput>('dataScout', 'readAccount'),
    assessHealth: unprovidedActor<ReturnType<typeof healthOf>, { accountId: string }>(
      'dataScout',
      'assessHealth',
    ),
  },
}).createMachine({
  id: 'dataScout',
  context: ({ input }) => ({ ...input, overview: null, facts: null, error: null }),
  initial: 'reading_account',
  states: {
    reading_account: {
      invoke: {
        src: 'readAccount',
        input: ({ context }) => ({ accountId: context.accountId, asOf: context.asOf }),
        onDone: { target: 'assessing_health', actions: assign({ overview: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    assessing_health: {
      invoke: {
        src: 'assessHealth',
        input: ({ context }) => ({ accountId: context.accountId }),
        onDone: {
          target: 'done',
          actions: assign({ facts: ({ context, event }) => ({ ...context.overview!, ...event.output }) }),
        },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }): DataScoutOutput =>
    context.facts ? { ok: true, facts: context.facts } : { ok: false, error: context.error! },
});

/** The machine with a run's services plugged in. */
export function createDataScout(services: RunServices) {
  return dataScoutMachine.provide({
    actors: {
      readAccount: fromPromise(
        async ({ input, signal }: { input: DataScoutInput; signal: AbortSignal }): Promise<Overview> => {
          const result = await services.callTool(
            'scout/get_account',
            'crm__get_account',
            { id: input.accountId, activities: 20, notes: 5 },
            { signal },
          );
          return overviewOf(toolData(result, 'crm__get_account'), input.asOf);
        },
      ),
      assessHealth: fromPromise(
        async ({ input, signal }: { input: { accountId: string }; signal: AbortSignal }) => {
          const result = await services.callTool(
            'scout/account_health',
            'crm__account_health',
            { id: input.accountId },
            { signal },
          );
          return healthOf(toolData(result, 'crm__account_health'));
        },
      ),
    },
  });
}

type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const rows = (v: unknown): Row[] => (Array.isArray(v) ? (v as Row[]) : []);

/** The parts of `crm__get_account`'s answer the review needs. */
export function overviewOf(data: Row, asOf: string): Overview {
  const account = (data['account'] ?? {}) as Row;
  const status = str(account['status']);
  const contact = rows(data['contacts'])[0];
  const primaryContact: ContactFacts | null = contact
    ? {
        name: str(contact['name']) ?? 'unnamed contact',
        email: str(contact['email']),
        phone: str(contact['phone']),
        title: str(contact['title']),
      }
    : null;
  const openDeals: DealFacts[] = rows(data['openDeals']).map((d) => ({
    id: String(d['id']),
    name: str(d['name']) ?? String(d['id']),
    stage: str(d['stage']) ?? 'prospecting',
    amount: num(d['amount']),
    currency: str(d['currency']) ?? 'USD',
    closeDate: str(d['closeDate']),
  }));
  const overdue = rows(data['openTasks']).filter((t) => {
    const due = str(t['dueDate']);
    return due !== null && due < asOf;
  });
  return {
    accountId: String(account['id']),
    name: str(account['name']) ?? String(account['id']),
    status: ACCOUNT_STATUSES.includes(status as AccountStatus) ? (status as AccountStatus) : 'active',
    version: num(account['version']),
    tier: str(account['tier']) ?? 'smb',
    paymentStatus: str(account['paymentStatus']) ?? 'current',
    openDeals: openDeals.slice(0, 20),
    openTaskTitles: overdue
      .map((t) => str(t['title']) ?? '')
      .filter((t) => t.length > 0)
      .slice(0, 5),
    primaryContact,
  };
}

/** The parts of `crm__account_health`'s answer the review needs. */
export function healthOf(
  data: Row,
): Pick<
  AccountFacts,
  | 'riskScore'
  | 'riskLevel'
  | 'healthFactors'
  | 'daysSinceLastActivity'
  | 'slippedDeals'
  | 'overdueTasks'
  | 'negativeActivitiesLast90Days'
  | 'paymentStatus'
> {
  const level = str(data['riskLevel']);
  return {
    riskScore: num(data['riskScore']),
    riskLevel: level === 'high' || level === 'medium' ? level : 'low',
    healthFactors: rows(data['factors']).map((f): HealthFactor => ({
      factor: String(f['factor']),
      points: num(f['points']),
      detail: String(f['detail']),
    })),
    daysSinceLastActivity:
      typeof data['daysSinceLastActivity'] === 'number' ? data['daysSinceLastActivity'] : null,
    slippedDeals: num(data['slippedDeals']),
    overdueTasks: num(data['overdueTasks']),
    negativeActivitiesLast90Days: num(data['negativeActivitiesLast90Days']),
    paymentStatus: str(data['paymentStatus']) ?? 'current',
  };
}
