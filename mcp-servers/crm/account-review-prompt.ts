import type { McpServer } from '@modelcontextprotocol/server';
import { idSchema } from './records/record-spec.js';
import { ACCOUNT } from './records/record-specs.js';
import { z } from 'zod';

/** A prompt that walks a model through an account review with this server's tools. */
export function registerAccountReviewPrompt(server: McpServer): void {
  server.registerPrompt(
    'account_review',
    {
      title: 'Review an account',
      description: "Assess an account's health and propose next steps, grounded in its crm records",
      argsSchema: z.object({ accountId: idSchema(ACCOUNT) }),
    },
    ({ accountId }) => ({
      messages: [
        {
          role: 'user',
          content: {
            type: 'text',
            text:
              `Review the account ${accountId}. Call get_account for its contacts, deals, activities, tasks and ` +
              'notes, and account_health for its risk score and factors. Then write: a two-sentence summary; ' +
              'the risks, each tied to a factor or a record; and at most three next steps, each with an owner and ' +
              'a due date. Do not create or update records unless asked; if asked, create tasks with create_task ' +
              'and pass an idempotencyKey so a retry does not duplicate them.',
          },
        },
      ],
    }),
  );
}
