import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { defineAgent, unprovidedActor } from '#runtime/actors';
import {
  dueDate,
  followUpTask,
  type Lead,
  type LeadScore,
  leadDomain,
  matchAccount,
  scoreLead,
} from './lead-rules.js';
import { callToolData as callTool, errorInfo as errorOf } from '../agent-steps.js';

/**
 * The bizdev agent: a lead becomes crm records and a follow-up task.
 *
 * QUALIFYING scores the lead with rules (lead-rules.ts) and looks for its account in the crm
 * (crm__search_accounts by domain, else by name; crm__get_account for a contact with the same
 * email) → RECORDING creates what is missing: the account (a prospect), the contact, and for a hot
 * lead a deal → FOLLOW_UP creates a task due in 1 (hot), 3 (warm) or 7 (cold) days → DONE.
 * Every crm write carries an idempotencyKey of `<runId>/<step>/<record>`, so a step repeated after
 * a crash gets the record the first attempt made. No model: the rules are the whole decision.
 */

export const bizdevInputSchema = z.strictObject({
  lead: z.strictObject({
    company: z.string().trim().min(1).max(200),
    domain: z
      .string()
      .trim()
      .regex(/^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$/i, { message: 'expected a domain such as acme.com' })
      .optional(),
    contact: z.strictObject({
      name: z.string().trim().min(1).max(200),
      email: z.email({ message: 'expected an email address' }),
      phone: z.string().trim().min(1).max(50).optional(),
      title: z.string().trim().min(1).max(200).optional(),
    }),
    notes: z.string().max(10_000).optional(),
  }),
  /** Who owns new accounts. @defaultValue 'bizdev-agent' */
  owner: z.string().trim().min(1).max(200).default('bizdev-agent'),
});
export type BizdevInput = z.infer<typeof bizdevInputSchema>;

interface Qualified {
  score: LeadScore;
  dueDate: string;
  accountId?: string;
  contactId?: string;
}

interface Recorded {
  accountId: string;
  accountCreated: boolean;
  contactId: string;
  contactCreated: boolean;
  dealId?: string;
}

interface BizdevContext {
  lead: Lead;
  owner: string;
  qualified?: Qualified;
  recorded?: Recorded;
  taskId?: string;
  error?: { code: string; message: string };
}

export type BizdevOutput =
  | (Recorded & { taskId: string; dueDate: string; score: number; grade: LeadScore['grade'] })
  | { error: { code: string; message: string } };

type AccountRow = { id: string; name: string | null; domain: string | null };
type ContactRow = { id: string; email: string | null };
const recordId = (data: Record<string, unknown>) => String((data.record as { id: string }).id);

/** The statechart alone; its actors come from a run's services (see bizdevAgent.provide). */
export const bizdevMachine = setup({
  types: {} as { context: BizdevContext; input: BizdevInput; output: BizdevOutput },
  actors: {
    qualify: unprovidedActor<Qualified, { lead: Lead }>('bizdev', 'qualify'),
    record: unprovidedActor<Recorded, { lead: Lead; owner: string; qualified: Qualified }>(
      'bizdev',
      'record',
    ),
    followUp: unprovidedActor<string, { lead: Lead; qualified: Qualified; recorded: Recorded }>(
      'bizdev',
      'followUp',
    ),
  },
}).createMachine({
  id: 'bizdev',
  context: ({ input }) => ({ lead: input.lead, owner: input.owner }),
  initial: 'QUALIFYING',
  states: {
    QUALIFYING: {
      invoke: {
        src: 'qualify',
        input: ({ context }) => ({ lead: context.lead }),
        onDone: { target: 'RECORDING', actions: assign({ qualified: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    RECORDING: {
      invoke: {
        src: 'record',
        input: ({ context }) => ({
          lead: context.lead,
          owner: context.owner,
          qualified: context.qualified!,
        }),
        onDone: { target: 'FOLLOW_UP', actions: assign({ recorded: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    FOLLOW_UP: {
      invoke: {
        src: 'followUp',
        input: ({ context }) => ({
          lead: context.lead,
          qualified: context.qualified!,
          recorded: context.recorded!,
        }),
        onDone: { target: 'DONE', actions: assign({ taskId: ({ event }) => event.output }) },
        onError: { target: 'FAILED', actions: assign({ error: ({ event }) => errorOf(event.error) }) },
      },
    },
    DONE: { type: 'final' },
    FAILED: { type: 'final', tags: ['failed'] },
  },
  output: ({ context }): BizdevOutput =>
    context.error
      ? { error: context.error }
      : {
          ...context.recorded!,
          taskId: context.taskId!,
          dueDate: context.qualified!.dueDate,
          score: context.qualified!.score.score,
          grade: context.qualified!.score.grade,
        },
});

export const bizdevAgent = defineAgent({
  name: 'bizdev',
  description:
    'Processes a sales lead: scores it with rules, finds or creates its account and contact in the crm ' +
    '(a deal for a hot lead) and schedules a follow-up task.',
  capabilities: ['crm.read', 'crm.write', 'lead_scoring'],
  version: '1',
  policy: {
    allowTools: [
      'crm__search_accounts',
      'crm__get_account',
      'crm__create_account',
      'crm__create_contact',
      'crm__create_deal',
      'crm__create_task',
    ],
    limits: { maxToolCalls: 12, maxSteps: 30, timeoutMs: 5 * 60_000 },
  },
  input: bizdevInputSchema,
  machine: bizdevMachine,
  provide(services) {
    const key = (step: string, record: string) => `${services.runId}/${step}/${record}`;
    return {
      actors: {
        qualify: fromPromise<Qualified, { lead: Lead }>(async ({ input: { lead }, signal }) => {
          const score = scoreLead(lead);
          const domain = leadDomain(lead);
          const search = await callTool(
            services,
            'qualifying/search',
            'crm__search_accounts',
            { query: domain ?? lead.company, limit: 50 },
            signal,
          );
          const account = matchAccount((search.accounts ?? []) as AccountRow[], lead);
          let contactId: string | undefined;
          if (account) {
            const details = await callTool(
              services,
              'qualifying/get-account',
              'crm__get_account',
              { id: account.id },
              signal,
            );
            const email = lead.contact.email.toLowerCase();
            contactId = ((details.contacts ?? []) as ContactRow[]).find(
              (c) => c.email?.toLowerCase() === email,
            )?.id;
          }
          return {
            score,
            // Fixed here, when the lead is qualified: a resumed run keeps the same due date.
            dueDate: dueDate(services.now(), score.followUpDays),
            ...(account ? { accountId: account.id } : {}),
            ...(contactId ? { contactId } : {}),
          };
        }),
        record: fromPromise<Recorded, { lead: Lead; owner: string; qualified: Qualified }>(
          async ({ input: { lead, owner, qualified }, signal }) => {
            let accountId = qualified.accountId;
            if (!accountId) {
              const domain = leadDomain(lead);
              const data = await callTool(
                services,
                'recording/account',
                'crm__create_account',
                {
                  name: lead.company,
                  ...(domain ? { domain } : {}),
                  status: 'prospect',
                  owner,
                  idempotencyKey: key('recording', 'account'),
                },
                signal,
              );
              accountId = recordId(data);
            }
            let contactId = qualified.contactId;
            if (!contactId) {
              const { name, email, phone, title } = lead.contact;
              const data = await callTool(
                services,
                'recording/contact',
                'crm__create_contact',
                {
                  accountId,
                  name,
                  email,
                  ...(phone ? { phone } : {}),
                  ...(title ? { title } : {}),
                  idempotencyKey: key('recording', 'contact'),
                },
                signal,
              );
              contactId = recordId(data);
            }
            let dealId: string | undefined;
            if (qualified.score.openDeal) {
              const data = await callTool(
                services,
                'recording/deal',
                'crm__create_deal',
                {
                  accountId,
                  name: `${lead.company}: new business`,
                  stage: 'qualification',
                  // The amount is unknown at this point; sales sets it when qualifying the deal.
                  amount: 0,
                  idempotencyKey: key('recording', 'deal'),
                },
                signal,
              );
              dealId = recordId(data);
            }
            return {
              accountId,
              accountCreated: !qualified.accountId,
              contactId,
              contactCreated: !qualified.contactId,
              ...(dealId ? { dealId } : {}),
            };
          },
        ),
        followUp: fromPromise<string, { lead: Lead; qualified: Qualified; recorded: Recorded }>(
          async ({ input: { lead, qualified, recorded }, signal }) => {
            const task = followUpTask(lead, qualified.score);
            const data = await callTool(
              services,
              'follow-up/task',
              'crm__create_task',
              {
                accountId: recorded.accountId,
                contactId: recorded.contactId,
                ...(recorded.dealId ? { dealId: recorded.dealId } : {}),
                ...task,
                dueDate: qualified.dueDate,
                priority: qualified.score.priority,
                idempotencyKey: key('follow-up', 'task'),
              },
              signal,
            );
            return recordId(data);
          },
        ),
      },
    };
  },
});
