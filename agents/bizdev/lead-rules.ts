/** The bizdev agent's rules: how a lead is scored, what domain it belongs to, when to follow up. */

export interface Lead {
  company: string;
  domain?: string;
  contact: { name: string; email: string; phone?: string; title?: string };
  notes?: string;
}

export type Grade = 'hot' | 'warm' | 'cold';

export interface LeadScore {
  /** 0..100 */
  score: number;
  grade: Grade;
  /** Each rule that moved the score, with its points. */
  reasons: Array<{ rule: string; points: number }>;
  followUpDays: number;
  priority: 'high' | 'normal' | 'low';
  /** Whether a deal is opened with the records (hot leads only). */
  openDeal: boolean;
}

/** Mail providers whose domain says nothing about the company. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'icloud.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'mail.com',
]);

const BUYING_SIGNALS: Array<[RegExp, string, number]> = [
  [/\bbudget\b/i, 'mentions a budget', 15],
  [/\b(demo|trial|pilot)\b/i, 'asks for a demo or trial', 15],
  [/\b(urgent|asap|this (week|month|quarter))\b/i, 'has a timeline', 10],
  [/\b(enterprise|seats|licen[cs]es?|rollout)\b/i, 'talks about a rollout', 10],
  [/\b(pricing|quote|proposal)\b/i, 'asks about pricing', 10],
];
const NEGATIVE_SIGNALS: Array<[RegExp, string, number]> = [
  [/\b(student|homework|just (curious|browsing))\b/i, 'not a buyer', -25],
  [/\b(unsubscribe|spam|not interested)\b/i, 'not interested', -40],
];

export function emailDomain(email: string): string | undefined {
  return email.split('@')[1]?.trim().toLowerCase() || undefined;
}

/** The company's domain: the given one, else the contact's email domain unless it is a free mail provider. */
export function leadDomain(lead: Lead): string | undefined {
  if (lead.domain) return lead.domain.toLowerCase().replace(/^www\./, '');
  const domain = emailDomain(lead.contact.email);
  return domain && !FREE_MAIL_DOMAINS.has(domain) ? domain : undefined;
}

export function scoreLead(lead: Lead): LeadScore {
  const reasons: LeadScore['reasons'] = [{ rule: 'base', points: 30 }];
  const domain = emailDomain(lead.contact.email);
  if (domain && FREE_MAIL_DOMAINS.has(domain)) reasons.push({ rule: 'free mail address', points: -10 });
  else if (domain) reasons.push({ rule: 'company email address', points: 15 });
  if (lead.domain && domain && domain === leadDomain(lead))
    reasons.push({ rule: 'email matches the company domain', points: 5 });
  if (lead.contact.phone) reasons.push({ rule: 'phone number given', points: 10 });
  if (lead.contact.title && /\b(ceo|cto|cfo|coo|vp|head|director|founder|owner)\b/i.test(lead.contact.title))
    reasons.push({ rule: 'decision maker', points: 10 });
  for (const [pattern, rule, points] of [...BUYING_SIGNALS, ...NEGATIVE_SIGNALS]) {
    if (lead.notes && pattern.test(lead.notes)) reasons.push({ rule, points });
  }
  const score = Math.max(
    0,
    Math.min(
      100,
      reasons.reduce((sum, r) => sum + r.points, 0),
    ),
  );
  const grade: Grade = score >= 70 ? 'hot' : score >= 45 ? 'warm' : 'cold';
  return {
    score,
    grade,
    reasons,
    followUpDays: { hot: 1, warm: 3, cold: 7 }[grade],
    priority: ({ hot: 'high', warm: 'normal', cold: 'low' } as const)[grade],
    openDeal: grade === 'hot',
  };
}

/** `YYYY-MM-DD`, `days` after `now` (UTC). */
export function dueDate(now: number, days: number): string {
  return new Date(now + days * 86_400_000).toISOString().slice(0, 10);
}

/** The account among search results that is this lead's: same domain, else same name (case-insensitive). */
export function matchAccount<T extends { id: string; name: string | null; domain: string | null }>(
  accounts: T[],
  lead: Lead,
): T | undefined {
  const domain = leadDomain(lead);
  const name = lead.company.trim().toLowerCase();
  return (
    (domain ? accounts.find((a) => a.domain?.toLowerCase() === domain) : undefined) ??
    accounts.find((a) => a.name?.trim().toLowerCase() === name)
  );
}

export function followUpTask(lead: Lead, score: LeadScore): { title: string; description: string } {
  return {
    title: `Follow up with ${lead.contact.name} (${lead.company})`,
    description: [
      `Lead graded ${score.grade} (${score.score}/100): ${
        score.reasons
          .filter((r) => r.rule !== 'base')
          .map((r) => `${r.rule} (${r.points > 0 ? '+' : ''}${r.points})`)
          .join(', ') || 'no signals'
      }.`,
      `Contact: ${lead.contact.email}${lead.contact.phone ? `, ${lead.contact.phone}` : ''}.`,
      ...(lead.notes ? [`Notes: ${lead.notes}`] : []),
    ].join('\n'),
  };
}
