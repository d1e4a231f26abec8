import { RUN_MIGRATIONS } from '#runtime/actors';
import { QUEUE_MIGRATIONS } from '#runtime/queue';
import { CRM_MIGRATIONS } from '#mcp-servers/crm';
import { MEMORY_MIGRATIONS } from '#mcp-servers/memory';
import type { Migration } from '#stores/sql';
import { PGVECTOR_MIGRATIONS } from '#stores/vector';
import { AUDIT_MIGRATIONS } from '../api/audit-migrations.js';
import { assembleMigrations } from './assemble-migrations.js';

/**
 * Switchyard's whole schema, in version order: every owner's tables. Each owner declares its
 * migrations next to its code; only the composition root knows all of them, so this is where the
 * list is put together and handed to openSql. A new migration takes the next free version
 * (after the highest here), whichever owner it belongs to.
 */
export const MIGRATIONS: readonly Migration[] = assembleMigrations({
  'stores/vector (pgvector)': PGVECTOR_MIGRATIONS,
  'mcp-servers/memory': MEMORY_MIGRATIONS,
  'mcp-servers/crm': CRM_MIGRATIONS,
  'app/api (audit log)': AUDIT_MIGRATIONS,
  'runtime/actors': RUN_MIGRATIONS,
  'runtime/queue': QUEUE_MIGRATIONS,
});
