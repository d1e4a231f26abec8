import { describe, expect, it } from 'vitest';
import {
  historyFromObservations,
  outcomeObservation,
} from '../../../../agents/account-review/review-memory.js';

describe('review outcomes in memory', () => {
  it('reads back what it wrote: the count of reviews, the last outcome and the rejected titles', () => {
    const first = outcomeObservation({
      runId: 'run-1',
      asOf: '2026-11-01',
      outcome: 'rejected',
      riskScore: 40,
      riskLevel: 'medium',
      executed: 0,
      titles: ['Call them', 'Mark at risk'],
    });
    const second = outcomeObservation({
      runId: 'run-2',
      asOf: '2026-12-01',
      outcome: 'applied',
      riskScore: 20,
      riskLevel: 'low',
      executed: 1,
      titles: ['Account review 2026-12-01: risk 20 (low)'],
    });
    expect(first).toBe(
      'account review run-1 on 2026-11-01: outcome rejected; risk 40 (medium); 0 of 2 recommendation(s) applied; recommendations: Call them | Mark at risk',
    );
    const history = historyFromObservations('crm-account/acc_1', ['crm account acc_1 (Acme)', second, first]);
    expect(history).toEqual({
      entityName: 'crm-account/acc_1',
      pastReviews: 2,
      lastOutcome: 'applied',
      rejectedTitles: ['Call them', 'Mark at risk'],
    });
  });

  it('finds no history in observations of another form', () => {
    expect(historyFromObservations('e', ['just a note'])).toMatchObject({
      pastReviews: 0,
      lastOutcome: null,
    });
  });
});
