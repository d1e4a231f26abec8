import type { CrmRecord } from '../records/record-rows.js';
import type { RecordType } from '../records/record-spec.js';
import { SeededRandom } from './random.js';
import * as words from './seed-vocabulary.js';

/** One account and everything that belongs to it, as the crm's tools would return them. */
export type AccountBundle = Record<RecordType, CrmRecord[]>;

export interface GenerateOptions {
  seed: number;
  /** The day the data is "as of": activity dates and due dates are placed around it. */
  asOf: Date;
}

const DAY_MS = 86_400_000;

/**
 * The sample account number `index` (0-based) and its records. Realistic in shape (tiers, deal
 * sizes, dormant and delinquent accounts, overdue tasks, slipped deals, negative sentiment) and
 * deterministic: each account draws from its own generator seeded by (seed, index), so account
 * 7 of `--accounts 10` is account 7 of `--accounts 1000`, and ids (`acc_s42_000007`) are stable.
 */
export function generateAccount(index: number, options: GenerateOptions): AccountBundle {
  const random = new SeededRandom(mix(options.seed, index));
  const asOf = options.asOf.getTime();
  const day = (offset: number) => new Date(asOf + offset * DAY_MS);
  const iso = (offset: number, hours = 0) =>
    new Date(asOf + offset * DAY_MS + hours * 3_600_000).toISOString();
  const date = (offset: number) => day(offset).toISOString().slice(0, 10);
  const base = `s${options.seed}_${String(index + 1).padStart(6, '0')}`;

  const tier = random.weighted({ enterprise: 15, mid_market: 35, smb: 50 });
  const name = `${random.pick(words.NAME_STEMS)}${random.pick(words.NAME_TAILS)}`;
  const domain = `${name.toLowerCase()}${index + 1}.example.com`;
  const owner = random.pick(words.OWNERS);
  const createdDaysAgo = random.int(200, 1500);
  const created = iso(-createdDaysAgo);
  const system = (id: string, createdAt: string, recordOwner = owner) => ({
    id,
    owner: recordOwner,
    version: 1,
    createdAt,
    updatedAt: createdAt,
  });
  const scale = { enterprise: 1000, mid_market: 100, smb: 10 }[tier];
  const account: CrmRecord = {
    ...system(`acc_${base}`, created),
    name: `${name} ${random.pick(words.LEGAL_SUFFIXES)}`,
    domain,
    industry: random.pick(words.INDUSTRIES),
    tier,
    status: random.weighted({ active: 70, prospect: 12, at_risk: 12, churned: 6 }),
    region: random.pick(words.REGIONS),
    annualRevenue: random.int(1, 50) * scale * 100_000,
    employees: random.int(5, 100) * scale,
    paymentStatus: random.weighted({ current: 80, late: 14, delinquent: 6 }),
  };

  const contacts = Array.from({ length: random.int(1, 5) }, (_, n): CrmRecord => {
    const first = random.pick(words.FIRST_NAMES);
    const last = random.pick(words.LAST_NAMES);
    return {
      ...system(`con_${base}_${n + 1}`, created),
      accountId: account.id,
      name: `${first} ${last}`,
      email: `${first}.${last}${n + 1}@${domain}`.toLowerCase(),
      phone: `+1-555-${String(random.int(100, 999))}-${String(random.int(1000, 9999))}`,
      title: random.pick(words.TITLES),
    };
  });

  const deals = Array.from({ length: random.int(0, 4) }, (_, n): CrmRecord => {
    const stage = random.weighted({
      prospecting: 15,
      qualification: 15,
      proposal: 15,
      negotiation: 10,
      closed_won: 30,
      closed_lost: 15,
    });
    const closed = stage === 'closed_won' || stage === 'closed_lost';
    return {
      ...system(`deal_${base}_${n + 1}`, iso(-random.int(30, 180))),
      accountId: account.id,
      name: `${random.pick(words.DEAL_KINDS)} ${2026 + random.int(0, 1)}`,
      stage,
      amount: random.int(10, 500) * scale * 10,
      currency: 'USD',
      closeDate: date(closed ? -random.int(1, 365) : random.int(-45, 150)),
    };
  });

  // A dormant account's last touch is months old: what account_health should flag.
  const dormant = random.chance(0.15);
  const activities = Array.from({ length: random.int(0, 12) }, (_, n): CrmRecord => {
    const type = random.weighted({ call: 30, email: 35, meeting: 15, demo: 8, support: 12 });
    const occurredAt = iso(-(dormant ? random.int(95, 400) : random.int(0, 180)), random.int(8, 18));
    const contact = random.chance(0.7) ? random.pick(contacts) : undefined;
    return {
      ...system(`act_${base}_${n + 1}`, occurredAt, random.chance(0.8) ? owner : random.pick(words.OWNERS)),
      accountId: account.id,
      contactId: contact?.id ?? null,
      dealId: deals.length && random.chance(0.3) ? random.pick(deals).id : null,
      type,
      subject: random.pick(words.ACTIVITY_SUBJECTS[type]!),
      body: null,
      sentiment: random.weighted({ positive: 35, neutral: 50, negative: 15 }),
      occurredAt,
    };
  });

  const notes = Array.from({ length: random.int(0, 3) }, (_, n): CrmRecord => ({
    ...system(`note_${base}_${n + 1}`, iso(-random.int(0, 300))),
    accountId: account.id,
    body: random.pick(words.NOTE_BODIES),
  }));

  const tasks = Array.from({ length: random.int(0, 4) }, (_, n): CrmRecord => ({
    ...system(`task_${base}_${n + 1}`, iso(-random.int(10, 60))),
    accountId: account.id,
    contactId: random.chance(0.5) ? random.pick(contacts).id : null,
    dealId: null,
    title: random.pick(words.TASK_TITLES),
    description: null,
    dueDate: date(random.int(-30, 45)),
    status: random.weighted({ open: 60, done: 35, cancelled: 5 }),
    priority: random.weighted({ low: 20, normal: 60, high: 20 }),
  }));

  return {
    account: [account],
    contact: contacts,
    deal: deals,
    activity: activities,
    note: notes,
    task: tasks,
  };
}

/** Derives an independent 32-bit seed per account (a murmur-style finalizer over seed and index). */
function mix(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
