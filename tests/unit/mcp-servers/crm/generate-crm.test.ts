import { describe, expect, it } from 'vitest';
import { RECORD_SPECS } from '../../../../mcp-servers/crm/records/record-specs.js';
import { generateAccount } from '../../../../mcp-servers/crm/seed/generate-crm.js';
import { SeededRandom } from '../../../../mcp-servers/crm/seed/random.js';
import { createInputSchema } from '../../../../mcp-servers/crm/tools/create-record-tool.js';

const asOf = new Date('2026-06-15T00:00:00Z');
const accounts = (seed: number, n: number) =>
  Array.from({ length: n }, (_, i) => generateAccount(i, { seed, asOf }));

describe('the crm sample-data generator', () => {
  it('gives the same data for the same seed, other data for another, and account i whatever the count', () => {
    expect(accounts(42, 5)).toEqual(accounts(42, 5));
    expect(accounts(43, 5)).not.toEqual(accounts(42, 5));
    expect(accounts(42, 50).slice(0, 5)).toEqual(accounts(42, 5));
    expect(generateAccount(6, { seed: 42, asOf }).account[0]!.id).toBe('acc_s42_000007');
  });

  it('draws the mulberry32 sequence (the published one-liner), so seeds mean the same everywhere', () => {
    // The widely copied reference form, written independently of SeededRandom's.
    const reference = (a: number) => () => {
      a |= 0;
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (const seed of [0, 42, 0xffffffff]) {
      const ours = new SeededRandom(seed);
      const theirs = reference(seed);
      for (let i = 0; i < 1000; i++) expect(ours.next()).toBe(theirs());
    }
  });

  it('writes only records the create tools would accept, each pointing inside its own account', () => {
    for (const bundle of accounts(7, 40)) {
      const accountId = bundle.account[0]!.id;
      const ids = new Set(Object.values(bundle).flatMap((records) => records.map((r) => r.id)));
      for (const [type, records] of Object.entries(bundle)) {
        const schema = createInputSchema(RECORD_SPECS[type as keyof typeof RECORD_SPECS]);
        for (const { id, version, createdAt, updatedAt, ...fields } of records) {
          expect(schema.safeParse(stripNulls(fields)).error, `${type} ${id}`).toBeUndefined();
          expect({ version, updatedAt }).toEqual({ version: 1, updatedAt: createdAt });
          expect(Date.parse(createdAt)).toBeLessThan(asOf.getTime() + 86_400_000);
          if (type !== 'account') expect(fields['accountId']).toBe(accountId);
          for (const ref of ['contactId', 'dealId'])
            if (fields[ref]) expect(ids.has(String(fields[ref]))).toBe(true);
        }
      }
    }
  });

  it('includes the cases account health must catch: dormant, late payers, overdue tasks, slipped deals', () => {
    const data = accounts(42, 300);
    const lastActivity = data.map((b) =>
      b.activity
        .map((a) => String(a['occurredAt']))
        .sort()
        .at(-1),
    );
    const dormant = lastActivity.filter(
      (at) => at !== undefined && Date.parse(at) < asOf.getTime() - 90 * 86_400_000,
    );
    expect(dormant.length).toBeGreaterThan(10);
    expect(data.filter((b) => b.account[0]!['paymentStatus'] !== 'current').length).toBeGreaterThan(20);
    const overdue = data
      .flatMap((b) => b.task)
      .filter((t) => t['status'] === 'open' && String(t['dueDate']) < '2026-06-15');
    expect(overdue.length).toBeGreaterThan(20);
    const slipped = data
      .flatMap((b) => b.deal)
      .filter((d) => !String(d['stage']).startsWith('closed') && String(d['closeDate']) < '2026-06-15');
    expect(slipped.length).toBeGreaterThan(10);
    // Contact emails are unique across the whole data set.
    const emails = data.flatMap((b) => b.contact.map((c) => c['email']));
    expect(new Set(emails).size).toBe(emails.length);
  });
});

function stripNulls(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null));
}
