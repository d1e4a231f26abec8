import { assign, fromPromise, setup } from 'xstate';
import { type RunServices, unprovidedActor, unprovidedGuard } from '#runtime/actors';
import type { ChatMessage } from '#runtime/llm';
import {
  type AccountFacts,
  type AccountHistory,
  ModelAnswerSchema,
  type Recommendation,
} from './recommendation.js';
import { recommendByRules } from './recommendation-rules.js';
import { errorInfo, type ErrorInfo, type SubAgentOutput } from '../agent-steps.js';

/**
 * The recommendation author. Offline (no model configured) it applies the rules and templates of
 * ./recommendation-rules.ts. With a model it asks the model once (journaled as `author/model`) for
 * recommendations in JSON, validates them with zod, and falls back to the rules when the answer is
 * not valid or the model fails — the review never stops for want of a model.
 */

export interface AuthorInput {
  facts: AccountFacts;
  history: AccountHistory;
  asOf: string;
}

export type AuthorOutput = SubAgentOutput<{ recommendations: Recommendation[]; source: 'rules' | 'model' }>;

export interface AuthorContext extends AuthorInput {
  recommendations: Recommendation[] | null;
  source: 'rules' | 'model';
  error: ErrorInfo | null;
}

/** The statechart alone: its actors come from a run's services (createRecommendationAuthor). */
export const recommendationAuthorMachine = setup({
  types: {} as { input: AuthorInput; context: AuthorContext; output: AuthorOutput },
  actors: {
    // Pure: the rules need no services, so they are the machine's own.
    applyRules: fromPromise(async ({ input }: { input: AuthorInput }) => recommendByRules(input)),
    askModel: unprovidedActor<Recommendation[], AuthorInput>('recommendationAuthor', 'askModel'),
  },
  guards: { hasModel: unprovidedGuard('recommendationAuthor', 'hasModel') },
}).createMachine({
  id: 'recommendationAuthor',
  context: ({ input }) => ({ ...input, recommendations: null, source: 'rules', error: null }),
  initial: 'choosing',
  states: {
    choosing: { always: [{ guard: 'hasModel', target: 'asking_model' }, { target: 'applying_rules' }] },
    applying_rules: {
      invoke: {
        src: 'applyRules',
        input: ({ context }) => ({ facts: context.facts, history: context.history, asOf: context.asOf }),
        onDone: { target: 'done', actions: assign({ recommendations: ({ event }) => event.output }) },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    asking_model: {
      invoke: {
        src: 'askModel',
        input: ({ context }) => ({ facts: context.facts, history: context.history, asOf: context.asOf }),
        onDone: {
          target: 'done',
          actions: assign({
            recommendations: ({ event }) => event.output,
            source: ({ event }) => (event.output.every((r) => r.source === 'model') ? 'model' : 'rules'),
          }),
        },
        onError: { target: 'failed', actions: assign({ error: ({ event }) => errorInfo(event.error) }) },
      },
    },
    done: { type: 'final' },
    failed: { type: 'final' },
  },
  output: ({ context }): AuthorOutput =>
    context.recommendations
      ? { ok: true, recommendations: context.recommendations, source: context.source }
      : { ok: false, error: context.error! },
});

/** The machine with a run's services plugged in. */
export function createRecommendationAuthor(services: RunServices) {
  return recommendationAuthorMachine.provide({
    actors: {
      askModel: fromPromise(async ({ input, signal }: { input: AuthorInput; signal: AbortSignal }) => {
        let answer: string;
        try {
          const response = await services.chat('author/model', { messages: promptFor(input), signal });
          answer = response.message.content;
        } catch (error) {
          if (signal.aborted) throw error;
          return fallback(input, `the model failed: ${errorInfo(error).message}`);
        }
        const parsed = ModelAnswerSchema.safeParse(parseJson(answer));
        if (!parsed.success)
          return fallback(
            input,
            `the model's answer is not valid: ${parsed.error.issues[0]?.message ?? 'not JSON'}`,
          );
        return parsed.data.recommendations.map((r): Recommendation => ({ ...r, source: 'model' }));
      }),
    },
    guards: { hasModel: () => services.hasModel },
  });

  function fallback(input: AuthorInput, reason: string): Recommendation[] {
    services.emit('recommendation_fallback', { reason: reason.slice(0, 500) });
    return recommendByRules(input);
  }
}

/** The model's prompt. Contact details are left out: the model needs the situation, not the data. */
export function promptFor({ facts, history, asOf }: AuthorInput): ChatMessage[] {
  const { primaryContact, ...rest } = facts;
  const situation = {
    ...rest,
    primaryContact: primaryContact ? { name: primaryContact.name, title: primaryContact.title } : null,
    history: {
      pastReviews: history.pastReviews,
      lastOutcome: history.lastOutcome,
      rejectedTitles: history.rejectedTitles,
      related: history.related,
    },
    asOf,
  };
  return [
    {
      role: 'system',
      content:
        'You are the recommendation author of an account review in a CRM. From the account facts, propose at most ' +
        'five next steps. Answer with JSON only, no prose: {"recommendations": [{"action": "create_task" | ' +
        '"add_note" | "update_status", "title": string, "detail": string, "confidence": number 0..1, "factors": ' +
        '[{"name": string, "weight": number -1..1, "reason": string}], "newStatus"?: "prospect" | "active" | ' +
        '"at_risk" | "churned" (update_status only), "priority"?: "low" | "normal" | "high", "dueDate"?: ' +
        '"YYYY-MM-DD" (create_task only)}]}. Each factor names a fact that supports the step.',
    },
    { role: 'user', content: JSON.stringify(situation) },
  ];
}

/** JSON from a model's text, with or without a fenced code block around it. */
function parseJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  try {
    return JSON.parse((fenced?.[1] ?? text).trim());
  } catch {
    return undefined;
  }
}
