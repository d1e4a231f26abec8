import { assign, fromPromise, setup } from 'xstate';
import { type RunServices, unprovidedActor } from '#runtime/actors';
import { type AccountHistory, historyEntityName } from './recommendation.js';
import { historyFromObservations } from './review-memory.js';
import { errorInfo, type ErrorInfo, type SubAgentOutput, textOf, toolData } from '../agent-steps.js';

/**
 * The memory analyst: recalls earlier reviews of the account from the memory graph. It opens the
 * account's own entity (`memory__open_nodes`: every past outcome, exactly) and then asks
 * `memory__semantic_search` for observations close in meaning to this account's situation (the
 * memory server embeds them; `search_nodes` only matches words). When the semantic search is not
 * available it falls back to `memory__search_nodes` on the account id and says so (`semantic: false`).
 */

export interface MemoryAnalystInput {
  accountId: string;
  accountName: string;
  /** Words for the semantic search (the account's risk factors). */
  situation: string;
}

export type MemoryAnalystOutput = SubAgentOutput<{ history: AccountHistory }>;

export interface AnalystContext extends MemoryAnalystInput {
  recalled: Omit<AccountHistory, 'related' | 'semantic'> | null;
  history: AccountHistory | null;
  error: ErrorInfo | null;
}

const RELATED_MAX = 5;
const RELATED_CHARS = 200;

/** The statechart alone: its actors come from a run's services (createMemoryAnalyst). */
export const memoryAnalystMachine = setup({
  types: {} as { input: MemoryAnalystInput; context: AnalystContext; output: MemoryAnalystOutput },
  actors: {
    recall: unprovidedActor<ReturnType<typeof historyFromObservations>, { accountId: string }>(
      'memoryAnalyst',
      'recall',
    ),
    search: unprovidedActor<Pick<AccountHistory, 'semantic' | 'related'>, MemoryAnalystInput>(
      'memoryAnalyst',
      'search',
    ),
  },
}).createMachine({
  id: 'memoryAnalyst',
  context: ({ input }) => ({ ...input, recalled: null, history: null, error: null }),
  initial: 'recalling',
  states: {
    recalling: {
      invoke: {
        src: 'recall',
        input: ({ context }) => ({ accountId: context.accountId }),
        onDone: { target: 'searching', actions: assign({ recalled: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    searching: {
      invoke: {
        src: 'search',
        input: ({ context }) => ({
          accountId: context.accountId,
          accountName: context.accountName,
          situation: context.situation,
        }),
        onDone: {
          target: 'done',
          actions: assign({ history: ({ context, event }) => ({ ...context.recalled!, ...event.output }) }),
        },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }): MemoryAnalystOutput =>
    context.history ? { ok: true, history: context.history } : { ok: false, error: context.error! },
});

/** The machine with a run's services plugged in. */
export function createMemoryAnalyst(services: RunServices) {
  return memoryAnalystMachine.provide({
    actors: {
      recall: fromPromise(
        async ({ input, signal }: { input: { accountId: string }; signal: AbortSignal }) => {
          const entityName = historyEntityName(input.accountId);
          const result = await services.callTool(
            'memory/open_nodes',
            'memory__open_nodes',
            { names: [entityName] },
            { signal },
          );
          const data = toolData(result, 'memory__open_nodes');
          const entity = (
            data['entities'] as Array<{ name: string; observations: string[] }> | undefined
          )?.find((e) => e.name === entityName);
          return historyFromObservations(entityName, entity?.observations ?? []);
        },
      ),
      search: fromPromise(async ({ input, signal }: { input: MemoryAnalystInput; signal: AbortSignal }) => {
        const semantic = await services.callTool(
          'memory/semantic_search',
          'memory__semantic_search',
          { query: `${input.accountName}: ${input.situation}`, topK: RELATED_MAX },
          { signal },
        );
        if (semantic.isError !== true) {
          const matches = (toolData(semantic, 'memory__semantic_search')['matches'] ?? []) as Array<{
            entityName: string;
            observation?: string;
          }>;
          return {
            semantic: true,
            related: matches.map((m) => shorten(m.observation ?? m.entityName)).slice(0, RELATED_MAX),
          };
        }
        services.emit('memory_semantic_unavailable', { reason: textOf(semantic).slice(0, 300) });
        const words = await services.callTool(
          'memory/search_nodes',
          'memory__search_nodes',
          { query: input.accountId },
          { signal },
        );
        const entities = (toolData(words, 'memory__search_nodes')['entities'] ?? []) as Array<{
          name: string;
          observations: string[];
        }>;
        return {
          semantic: false,
          related: entities
            .flatMap((e) => e.observations)
            .map(shorten)
            .slice(0, RELATED_MAX),
        };
      }),
    },
  });
}

function shorten(text: string): string {
  return text.length > RELATED_CHARS ? `${text.slice(0, RELATED_CHARS)}…` : text;
}
