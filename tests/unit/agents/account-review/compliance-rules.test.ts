import { describe, expect, it } from 'vitest';
import { reviewCompliance } from '../../../../agents/account-review/compliance-rules.js';
import type { Recommendation } from '../../../../agents/account-review/recommendation.js';

function rec(overrides: Partial<Recommendation> = {}): Recommendation {
  return {
    action: 'create_task',
    title: 'Call the customer',
    detail: 'Check in.',
    confidence: 0.8,
    factors: [{ name: 'base', weight: 0.8, reason: 'because' }],
    source: 'rules',
    ...overrides,
  };
}

describe('reviewCompliance', () => {
  it('masks personal data in titles, details and factor reasons and reports where it was', () => {
    const result = reviewCompliance(
      [
        rec({
          detail: 'Call Jane at +1-555-123-4567 or jane@acme.com',
          factors: [{ name: 'contact', weight: 0.8, reason: 'jane@acme.com answered last time' }],
        }),
      ],
      { status: 'active' },
    );
    expect(result.recommendations[0]!.detail).toBe('Call Jane at [phone redacted] or [email redacted]');
    expect(result.recommendations[0]!.factors[0]!.reason).toBe('[email redacted] answered last time');
    expect(result.findings).toEqual([
      { index: 0, field: 'detail', kind: 'email', count: 1 },
      { index: 0, field: 'detail', kind: 'phone', count: 1 },
      { index: 0, field: 'factors', kind: 'email', count: 1 },
    ]);
    expect(result.passed).toBe(true); // masked data is fixed, not a violation
  });

  it('withholds a status change to churned: that is left to a person', () => {
    const result = reviewCompliance(
      [rec({ action: 'update_status', newStatus: 'churned', title: 'Mark churned' }), rec()],
      { status: 'at_risk' },
    );
    expect(result.recommendations.map((r) => r.title)).toEqual(['Call the customer']);
    expect(result.violations).toEqual([expect.objectContaining({ rule: 'no_automatic_churn', index: 0 })]);
    expect(result.passed).toBe(false);
  });

  it('drops status changes to the current status, and all but the first status change', () => {
    const result = reviewCompliance(
      [
        rec({ action: 'update_status', newStatus: 'active', title: 'same' }),
        rec({ action: 'update_status', newStatus: 'at_risk', title: 'first' }),
        rec({ action: 'update_status', newStatus: 'prospect', title: 'second' }),
      ],
      { status: 'active' },
    );
    expect(result.recommendations.map((r) => r.title)).toEqual(['first']);
    expect(result.violations.map((v) => v.rule).sort()).toEqual(['one_status_change', 'status_unchanged']);
  });

  it('withholds recommendations under the minimum confidence', () => {
    const result = reviewCompliance([rec({ confidence: 0.2, title: 'weak' }), rec()], { status: 'active' });
    expect(result.recommendations.map((r) => r.title)).toEqual(['Call the customer']);
    expect(result.violations[0]).toMatchObject({ rule: 'low_confidence', title: 'weak' });
  });

  it('keeps at most maxWrites recommendations, the most confident, in the author order', () => {
    const recs = [0.5, 0.9, 0.6, 0.95, 0.7].map((confidence, i) => rec({ confidence, title: `r${i}` }));
    const result = reviewCompliance(recs, { status: 'active' }, { maxWrites: 3, minConfidence: 0.3 });
    expect(result.recommendations.map((r) => r.title)).toEqual(['r1', 'r3', 'r4']);
    expect(result.violations.filter((v) => v.rule === 'too_many_writes').map((v) => v.title)).toEqual([
      'r0',
      'r2',
    ]);
  });
});
