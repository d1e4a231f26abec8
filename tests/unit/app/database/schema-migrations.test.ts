import { describe, expect, it } from 'vitest';
import { assembleMigrations } from '../../../../app/database/assemble-migrations.js';
import { MIGRATIONS } from '../../../../app/database/schema-migrations.js';
import { ConfigError } from '../../../../core/errors.js';
import { migrationChecksum } from '../../../../stores/sql/migrate.js';

/**
 * Every shipped migration as switchyard_migrations records it (version, name, the checksum of
 * its text), copied from databases built before the migrations moved to their owners' folders.
 * A database refuses to start when one of these changes, so this list only ever grows.
 */
const SHIPPED = [
  { version: 1, name: 'vector_collections', checksum: '8d1a1847661feeef' },
  { version: 2, name: 'memory_graph', checksum: '273016b876e3a14f' },
  { version: 3, name: 'crm', checksum: '08e168e7785bbae2' },
  { version: 4, name: 'audit_tool_calls', checksum: '7e9e7b1c19352213' },
  { version: 5, name: 'agent_runs', checksum: 'e60f7e11179ce9b6' },
  { version: 6, name: 'runs_parent_index', checksum: '558742ad78ebb256' },
  { version: 7, name: 'queue_state', checksum: '9357129b967ea927' },
  { version: 8, name: 'audit_operations', checksum: '845089d34d85cebd' },
  { version: 9, name: 'queued_runs', checksum: '22e9cec7a6acca2d' },
];

describe("Switchyard's schema, assembled from its owners", () => {
  it('keeps every shipped migration byte for byte, so databases built before still start', () => {
    const recorded = MIGRATIONS.map((m) => ({
      version: m.version,
      name: m.name,
      checksum: migrationChecksum(m),
    }));
    expect(recorded.slice(0, SHIPPED.length)).toEqual(SHIPPED);
  });

  it('is in increasing version order', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe('assembleMigrations', () => {
  const m = (version: number, name = `m${version}`) => ({ version, name, up: `SELECT ${version}` });

  it('orders by version across owners, not by owner', () => {
    const all = assembleMigrations({ a: [m(1), m(4)], b: [m(2)], c: [m(3), m(5)] });
    expect(all.map((x) => x.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a version two owners share, naming both', () => {
    expect(() => assembleMigrations({ crm: [m(3, 'crm')], audit: [m(3, 'audit')] })).toThrow(ConfigError);
    expect(() => assembleMigrations({ crm: [m(3, 'crm')], audit: [m(3, 'audit')] })).toThrow(
      /version 3 is used twice: by crm and by audit \('audit'\)/,
    );
  });

  it('refuses a version one owner repeats', () => {
    expect(() => assembleMigrations({ crm: [m(3), m(3, 'again')] })).toThrow(/used twice/);
  });

  it('refuses a version that is not a positive integer', () => {
    expect(() => assembleMigrations({ crm: [m(0)] })).toThrow(/expected a positive integer/);
    expect(() => assembleMigrations({ crm: [m(1.5)] })).toThrow(/expected a positive integer/);
  });
});
