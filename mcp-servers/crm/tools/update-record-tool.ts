import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { idSchema, ownerSchema, type RecordSpec } from '../records/record-spec.js';
import { updateRecord } from '../records/record-store.js';
import { type CrmToolDeps, recordOutputSchema } from '../schemas.js';
import { dataResult, errorResult } from '../tool-result.js';

/** The update tool's input: id, expectedVersion, and every field that may change, each optional. */
export function updateInputSchema(spec: RecordSpec) {
  const fields = Object.fromEntries(
    Object.entries(spec.fields)
      .filter(([, field]) => !field.immutable)
      .map(([name, field]) => [name, (field.nullable ? field.schema.nullable() : field.schema).optional()]),
  );
  return z.strictObject({
    id: idSchema(spec),
    expectedVersion: z
      .number()
      .int()
      .min(1)
      .describe('The version you last read; the update is refused if the record changed since'),
    owner: ownerSchema.optional().describe('Reassigns the record'),
    ...fields,
  });
}

/** Registers `update_<type>`: optimistic concurrency, only the fields given change. */
export function registerUpdateRecordTool(server: McpServer, deps: CrmToolDeps, spec: RecordSpec): void {
  const name = `update_${spec.type}`;
  const nullable = Object.entries(spec.fields)
    .filter(([, f]) => f.nullable && !f.immutable)
    .map(([n]) => n);
  server.registerTool(
    name,
    {
      title: `Update ${spec.type}`,
      description:
        `Changes the fields given of ${spec.summary} and returns it with its new version. expectedVersion must be ` +
        'the version you read: if someone changed the record since, nothing is written and the error says the ' +
        `current version. ${nullable.length ? `null clears ${nullable.join(', ')}.` : ''}`,
      inputSchema: updateInputSchema(spec),
      outputSchema: z.object({ record: recordOutputSchema(spec) }),
      // Destructive: values are overwritten. Idempotent: a repeat names a version that is gone, so it writes nothing.
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (input) => {
      const { id, expectedVersion, ...changes } = input as Record<string, unknown>;
      try {
        const record = await updateRecord(deps.sql, spec, {
          id: String(id),
          expectedVersion: Number(expectedVersion),
          changes,
        });
        return dataResult({ record });
      } catch (error) {
        return errorResult(error, name, deps.logger);
      }
    },
  );
}
