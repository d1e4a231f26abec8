import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Logger } from '#core';
import type { Sql } from '#stores/sql';
import type { FieldKind, RecordSpec } from './records/record-spec.js';

/** What every tool of this server is given. */
export interface CrmToolDeps {
  /** Migrated to at least migration 3 (crm) by whoever opened it. */
  sql: Sql;
  logger: Logger;
  /** The clock health scores are computed against. */
  now: () => Date;
}

export type RegisterTool = (server: McpServer, deps: CrmToolDeps) => void;

export const READ_ONLY = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const;

const OUTPUT_TYPES: Record<FieldKind, z.ZodType> = {
  text: z.string(),
  number: z.number(),
  integer: z.number().int(),
  date: z.string().describe('YYYY-MM-DD'),
  timestamp: z.string().describe('ISO 8601, UTC'),
};

/** A record as tools return it. Loose on purpose: inputs were validated when they were written. */
export function recordOutputSchema(spec: RecordSpec) {
  return z.object({
    id: z.string(),
    owner: z.string(),
    version: z.number().int().describe('Pass as expectedVersion to update this record'),
    createdAt: z.string(),
    updatedAt: z.string(),
    ...Object.fromEntries(
      Object.entries(spec.fields).map(([name, field]) => [name, OUTPUT_TYPES[field.kind].nullable()]),
    ),
  });
}

export const limitSchema = (max: number, fallback: number) =>
  z.number().int().min(1).max(max).default(fallback).describe(`At most ${max} (default ${fallback})`);
