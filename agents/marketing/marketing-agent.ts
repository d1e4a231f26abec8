import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { type ApprovalOutcome, defineAgent, unprovidedActor } from '#runtime/actors';
import { DEFAULT_BANNED_WORDS, type Draft, type DraftScore, scoreDraft } from './content-scorer.js';
import { type Brief, draftFromTemplate, reviseDraft } from './content-templates.js';
import { draftMessages, parseModelDraft, reviseMessages } from './marketing-model.js';
import { callToolData as callTool, errorInfo as errorOf } from '../agent-steps.js';

/**
 * The marketing agent: drafts content for a channel, scores it, and holds it for a person's approval.
 *
 * DRAFTING writes a draft (the model's, zod-checked, when a model is configured; else, or when
 * the model's answer is unusable, the channel's template) → SCORING rates it 0..100
 * (content-scorer.ts: readability, length for the channel, call to action, banned words) → below
 * the threshold, REVISING improves it (the model, or rules aimed at the weak factors) and it is
 * scored again, at most `maxRevisions` times → SAVING_DRAFT stores it in the memory server as an
 * entity `marketing-draft-<runId>` (type `marketing_draft`; observations `status: …`, `score: …`,
 * `title: …`, `body: …`) → AWAITING_APPROVAL (tagged awaiting_approval) asks a person →
 * approved: PUBLISHING adds `status: approved` → PUBLISHED; rejected or expired: REJECTING adds
 * `status: rejected` → REJECTED. A rejection is a decision, not a failure: the run completes with
 * `outcome: 'rejected'` (FAILED is for errors only). Publishing to the channel itself is left to
 * whoever reads approved drafts from the memory graph.
 */

export const marketingInputSchema = z.strictObject({
  topic: z.string().trim().min(1).max(300),
  audience: z.string().trim().min(1).max(300),
  channel: z.enum(['blog', 'email', 'social']),
  /** The score a draft needs to skip revision. @defaultValue 75 */
  threshold: z.number().int().min(0).max(100).default(75),
  /** @defaultValue 2 */
  maxRevisions: z.number().int().min(0).max(2).default(2),
  /** Words the copy must not use, added to the defaults. */
  bannedWords: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
});
export type MarketingInput = z.infer<typeof marketingInputSchema>;

type Source = 'model' | 'template' | 'rules';
type Drafted = { draft: Draft; source: Source };

interface MarketingContext {
  brief: Brief;
  banned: string[];
  threshold: number;
  maxRevisions: number;
  draft?: Draft;
  source?: Source;
  scored?: DraftScore;
  /** Each score, first draft first. */
  scores: number[];
  revisions: number;
  entity?: string;
  decision?: ApprovalOutcome;
  error?: { code: string; message: string };
}

export type MarketingOutput =
  | {
      outcome: 'published' | 'rejected' | 'expired';
      entity: string;
      draft: Draft;
      score: number;
      scores: number[];
      revisions: number;
      decidedBy?: string;
      reason?: string;
    }
  | { error: { code: string; message: string } };

/** The statechart alone; its actors come from a run's services (see marketingAgent.provide). */
export const marketingMachine = setup({
  types: {} as { context: MarketingContext; input: MarketingInput; output: MarketingOutput },
  actors: {
    draft: unprovidedActor<Drafted, { brief: Brief; banned: string[] }>('marketing', 'draft'),
    revise: unprovidedActor<
      Drafted,
      { brief: Brief; banned: string[]; draft: Draft; scored: DraftScore; revision: number }
    >('marketing', 'revise'),
    save: unprovidedActor<string, { brief: Brief; draft: Draft; scored: DraftScore }>('marketing', 'save'),
    approve: unprovidedActor<
      ApprovalOutcome,
      { brief: Brief; draft: Draft; scored: DraftScore; entity: string }
    >('marketing', 'approve'),
    mark: unprovidedActor<void, { key: string; entity: string; status: string }>('marketing', 'mark'),
  },
}).createMachine({
  id: 'marketing',
  context: ({ input }) => ({
    brief: { topic: input.topic, audience: input.audience, channel: input.channel },
    banned: [...new Set([...DEFAULT_BANNED_WORDS, ...input.bannedWords.map((w) => w.toLowerCase())])],
    threshold: input.threshold,
    maxRevisions: input.maxRevisions,
    scores: [],
    revisions: 0,
  }),
  initial: 'DRAFTING',
  states: {
    DRAFTING: {
      invoke: {
        src: 'draft',
        input: ({ context }) => ({ brief: context.brief, banned: context.banned }),
        onDone: { target: 'SCORING', actions: assign(({ event }) => event.output) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    SCORING: {
      // Pure: the scorer runs on entry, then the score picks the way on.
      entry: assign(({ context }) => {
        const scored = scoreDraft(context.draft!, context.brief.channel, context.banned);
        return { scored, scores: [...context.scores, scored.score] };
      }),
      always: [
        {
          guard: ({ context }) =>
            context.scored!.score < context.threshold && context.revisions < context.maxRevisions,
          target: 'REVISING',
        },
        { target: 'SAVING_DRAFT' },
      ],
    },
    REVISING: {
      invoke: {
        src: 'revise',
        input: ({ context }) => ({
          brief: context.brief,
          banned: context.banned,
          draft: context.draft!,
          scored: context.scored!,
          revision: context.revisions + 1,
        }),
        onDone: {
          target: 'SCORING',
          actions: assign(({ context, event }) => ({
            ...event.output,
            revisions: context.revisions + 1,
          })),
        },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    SAVING_DRAFT: {
      invoke: {
        src: 'save',
        input: ({ context }) => ({
          brief: context.brief,
          draft: context.draft!,
          scored: context.scored!,
        }),
        onDone: { target: 'AWAITING_APPROVAL', actions: assign({ entity: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    AWAITING_APPROVAL: {
      tags: ['awaiting_approval'],
      invoke: {
        src: 'approve',
        input: ({ context }) => ({
          brief: context.brief,
          draft: context.draft!,
          scored: context.scored!,
          entity: context.entity!,
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.state === 'approved',
            target: 'PUBLISHING',
            actions: assign({ decision: ({ event }) => event.output }),
          },
          { target: 'REJECTING', actions: assign({ decision: ({ event }) => event.output }) },
        ],
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    PUBLISHING: {
      invoke: {
        src: 'mark',
        input: ({ context }) => ({
          key: 'publishing/mark',
          entity: context.entity!,
          status: `status: approved${context.decision?.decidedBy ? ` by ${context.decision.decidedBy}` : ''}`,
        }),
        onDone: { target: 'PUBLISHED' },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    REJECTING: {
      invoke: {
        src: 'mark',
        input: ({ context }) => ({
          key: 'rejecting/mark',
          entity: context.entity!,
          status: `status: ${context.decision?.state === 'expired' ? 'expired' : 'rejected'}${
            context.decision?.decidedBy ? ` by ${context.decision.decidedBy}` : ''
          }${context.decision?.reason ? `: ${context.decision.reason}` : ''}`,
        }),
        onDone: { target: 'REJECTED' },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    PUBLISHED: { type: 'final' },
    REJECTED: { type: 'final' },
    FAILED: { type: 'final', tags: ['failed'] },
  },
  output: ({ context }): MarketingOutput => {
    if (context.error) return { error: context.error };
    const state = context.decision?.state;
    return {
      outcome: state === 'approved' ? 'published' : state === 'expired' ? 'expired' : 'rejected',
      entity: context.entity!,
      draft: context.draft!,
      score: context.scored!.score,
      scores: context.scores,
      revisions: context.revisions,
      ...(context.decision?.decidedBy ? { decidedBy: context.decision.decidedBy } : {}),
      ...(context.decision?.reason ? { reason: context.decision.reason } : {}),
    };
  },
});

export const marketingAgent = defineAgent({
  name: 'marketing',
  description:
    'Drafts marketing content (blog post, email or social post) on a topic for an audience, scores and ' +
    'revises it, saves the draft in the memory graph and waits for a person to approve it.',
  capabilities: ['content.write', 'memory.write', 'approval', 'llm.optional'],
  version: '1',
  policy: {
    allowTools: ['memory__create_entities', 'memory__add_observations'],
    limits: { maxToolCalls: 10, maxSteps: 40, timeoutMs: 7 * 24 * 60 * 60_000 },
    approvalTtlMs: 3 * 24 * 60 * 60_000,
  },
  input: marketingInputSchema,
  machine: marketingMachine,
  provide: (services) => ({
    actors: {
      draft: fromPromise<Drafted, { brief: Brief; banned: string[] }>(async ({ input, signal }) => {
        if (services.hasModel) {
          const response = await services.chat('drafting/model', {
            messages: draftMessages(input.brief, input.banned),
            signal,
          });
          const draft = parseModelDraft(response.message.content);
          if (draft) return { draft, source: 'model' };
          services.emit('model_answer_rejected', { step: 'drafting' });
        }
        return { draft: draftFromTemplate(input.brief), source: 'template' };
      }),
      revise: fromPromise<
        Drafted,
        { brief: Brief; banned: string[]; draft: Draft; scored: DraftScore; revision: number }
      >(async ({ input, signal }) => {
        if (services.hasModel) {
          const response = await services.chat(`revising/model-${input.revision}`, {
            messages: reviseMessages(input.brief, input.banned, input.draft, input.scored),
            signal,
          });
          const draft = parseModelDraft(response.message.content);
          if (draft) return { draft, source: 'model' };
          services.emit('model_answer_rejected', { step: 'revising', revision: input.revision });
        }
        return {
          draft: reviseDraft(input.draft, input.scored, input.brief, input.banned),
          source: 'rules',
        };
      }),
      save: fromPromise<string, { brief: Brief; draft: Draft; scored: DraftScore }>(
        async ({ input, signal }) => {
          const name = `marketing-draft-${services.runId}`;
          await callTool(
            services,
            'saving-draft/create',
            'memory__create_entities',
            {
              entities: [
                {
                  name,
                  entityType: 'marketing_draft',
                  observations: [
                    'status: awaiting_approval',
                    `channel: ${input.brief.channel}`,
                    `topic: ${input.brief.topic}`,
                    `audience: ${input.brief.audience}`,
                    `score: ${input.scored.score}`,
                    `title: ${input.draft.title}`,
                    `body: ${input.draft.body}`,
                  ],
                },
              ],
            },
            signal,
          );
          return name;
        },
      ),
      approve: fromPromise<
        ApprovalOutcome,
        { brief: Brief; draft: Draft; scored: DraftScore; entity: string }
      >(async ({ input }) =>
        services.requestApproval('awaiting-approval/decision', {
          what: `Publish the ${input.brief.channel} draft "${input.draft.title}"`,
          why: `Drafted for ${input.brief.audience}; scored ${input.scored.score}/100`,
          details: {
            entity: input.entity,
            score: input.scored.score,
            factors: input.scored.factors,
            title: input.draft.title,
            excerpt: input.draft.body.slice(0, 500),
          },
        }),
      ),
      mark: fromPromise<void, { key: string; entity: string; status: string }>(async ({ input, signal }) => {
        await callTool(
          services,
          input.key,
          'memory__add_observations',
          { observations: [{ entityName: input.entity, contents: [input.status] }] },
          signal,
        );
      }),
    },
  }),
});
