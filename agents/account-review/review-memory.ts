import type { AccountHistory } from './recommendation.js';

/**
 * How a review's outcome is written to the memory graph and read back: one observation per review
 * on the account's entity, in a fixed format, so the next review's memory analyst can count the
 * reviews and see what was rejected. Deterministic: the same review always writes the same text
 * (the memory server stores an observation once), which makes a repeated sync harmless.
 */

const PREFIX = 'account review ';
const TITLE_SEPARATOR = ' | ';

export interface ReviewOutcomeRecord {
  runId: string;
  asOf: string;
  outcome: string;
  riskScore: number;
  riskLevel: string;
  executed: number;
  titles: string[];
}

export function outcomeObservation(r: ReviewOutcomeRecord): string {
  return (
    `${PREFIX}${r.runId} on ${r.asOf}: outcome ${r.outcome}; risk ${r.riskScore} (${r.riskLevel}); ` +
    `${r.executed} of ${r.titles.length} recommendation(s) applied; recommendations: ${r.titles.join(TITLE_SEPARATOR)}`
  );
}

const PATTERN = /^account review \S+ on (\d{4}-\d{2}-\d{2}): outcome (\w+);.*?recommendations: (.*)$/s;

/** Reads the review observations among `observations` (others are ignored), oldest day first. */
export function historyFromObservations(
  entityName: string,
  observations: readonly string[],
): Pick<AccountHistory, 'entityName' | 'pastReviews' | 'lastOutcome' | 'rejectedTitles'> {
  const reviews = observations
    .map((o) => PATTERN.exec(o))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ day: m[1]!, outcome: m[2]!, titles: m[3]!.split(TITLE_SEPARATOR).filter(Boolean) }))
    .sort((a, b) => a.day.localeCompare(b.day));
  const rejected = reviews.filter((r) => r.outcome === 'rejected').flatMap((r) => r.titles);
  return {
    entityName,
    pastReviews: reviews.length,
    lastOutcome: reviews.at(-1)?.outcome ?? null,
    rejectedTitles: [...new Set(rejected)].slice(0, 20),
  };
}
