import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { RecordSpec } from '../records/record-spec.js';
import { ownerSchema } from '../records/record-spec.js';
import { createRecord } from '../records/record-store.js';
import { type CrmToolDeps, recordOutputSchema } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

/** The create tool's input: the spec's fields (required ones required), owner, idempotency key. */
export function createInputSchema(spec: RecordSpec) {
  const fields = Object.fromEntries(
    Object.entries(spec.fields).map(([name, field]) => [
      name,
      field.required ? field.schema : field.schema.optional(),
    ]),
  );
  return z.strictObject({
    ...fields,
    owner: (spec.type === 'account' ? ownerSchema : ownerSchema.optional()).describe(
      spec.type === 'account' ? 'Who owns the account' : "Who owns the record (default: the account's owner)",
    ),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'Any unique string: a repeated call with the same key returns the record the first call made instead of creating another',
      ),
  });
}

/** Registers `create_<type>` (or `name`), one per record type, all built from the spec. */
export function registerCreateRecordTool(
  server: McpServer,
  deps: CrmToolDeps,
  spec: RecordSpec,
  name = `create_${spec.type}`,
): void {
  const required = Object.entries(spec.fields)
    .filter(([, f]) => f.required)
    .map(([n]) => n);
  server.registerTool(
    name,
    {
      title: `Create ${spec.type}`,
      description:
        `Creates ${spec.summary}. Required: ${[...required, ...(spec.type === 'account' ? ['owner'] : [])].join(', ')}. ` +
        'Returns the record with its id and version (1). Pass an idempotencyKey when a retry must not create a duplicate.',
      inputSchema: createInputSchema(spec),
      outputSchema: z.object({ record: recordOutputSchema(spec), created: z.boolean() }),
      // Not idempotent without an idempotencyKey: a repeated call creates a second record.
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async (input) => {
      const { owner, idempotencyKey, ...fields } = input as Record<string, unknown>;
      try {
        const result = await createRecord(deps.sql, spec, {
          fields,
          owner: owner as string | undefined,
          idempotencyKey: idempotencyKey as string | undefined,
        });
        return dataResult({ record: result.record, created: result.created });
      } catch (error) {
        return errorResult(error, name, deps.logger);
      }
    },
  );
}
