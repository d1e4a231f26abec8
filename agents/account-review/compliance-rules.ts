import { maskPii, type PiiKind } from './pii.js';
import type { AccountFacts, Recommendation } from './recommendation.js';

/**
 * The compliance review of a set of recommendations, before a person sees them: personal data is
 * masked in every text (what the approval shows and what the crm gets), and policy rules withhold
 * recommendations no automated review may apply. Pure: data in, data out.
 *
 * Policy:
 * - `no_automatic_churn`: a status change to `churned` is a person's decision, never proposed here.
 * - `status_unchanged`: a status change to the status the account already has is dropped.
 * - `low_confidence`: recommendations under {@link CompliancePolicy.minConfidence} are withheld.
 * - `too_many_writes`: at most {@link CompliancePolicy.maxWrites}, the most confident kept.
 * - `one_status_change`: at most one status change per review.
 */

export interface CompliancePolicy {
  /** @defaultValue 5 */
  maxWrites: number;
  /** @defaultValue 0.3 */
  minConfidence: number;
}

export const DEFAULT_COMPLIANCE_POLICY: CompliancePolicy = { maxWrites: 5, minConfidence: 0.3 };

export interface PiiFindingAt {
  /** Index of the recommendation in the author's list. */
  index: number;
  field: 'title' | 'detail' | 'factors';
  kind: PiiKind;
  count: number;
}

export interface PolicyViolation {
  rule:
    'no_automatic_churn' | 'status_unchanged' | 'low_confidence' | 'too_many_writes' | 'one_status_change';
  index: number;
  title: string;
  message: string;
}

export interface ComplianceResult {
  /** The recommendations that may go to a person for approval, masked. */
  recommendations: Recommendation[];
  findings: PiiFindingAt[];
  violations: PolicyViolation[];
  /** True when no policy rule withheld anything (masked data is not a violation: it was fixed). */
  passed: boolean;
}

export function reviewCompliance(
  recommendations: readonly Recommendation[],
  facts: Pick<AccountFacts, 'status'>,
  policy: CompliancePolicy = DEFAULT_COMPLIANCE_POLICY,
): ComplianceResult {
  const findings: PiiFindingAt[] = [];
  const violations: PolicyViolation[] = [];
  const masked = recommendations.map((r, index) => {
    const title = maskPii(r.title);
    const detail = maskPii(r.detail);
    const factors = r.factors.map((f) => ({ f, reason: maskPii(f.reason) }));
    for (const finding of title.findings) findings.push({ index, field: 'title', ...finding });
    for (const finding of detail.findings) findings.push({ index, field: 'detail', ...finding });
    for (const { reason } of factors)
      for (const finding of reason.findings) findings.push({ index, field: 'factors', ...finding });
    return {
      ...r,
      title: title.text,
      detail: detail.text,
      factors: factors.map(({ f, reason }) => ({ ...f, reason: reason.text })),
    };
  });

  const withheld = new Set<number>();
  const withhold = (index: number, rule: PolicyViolation['rule'], message: string) => {
    withheld.add(index);
    violations.push({ index, rule, title: masked[index]!.title, message });
  };
  masked.forEach((r, index) => {
    if (r.action === 'update_status' && r.newStatus === 'churned')
      withhold(index, 'no_automatic_churn', 'marking an account churned is left to its owner');
    else if (r.action === 'update_status' && r.newStatus === facts.status)
      withhold(index, 'status_unchanged', `the account is already ${facts.status}`);
    else if (r.confidence < policy.minConfidence)
      withhold(
        index,
        'low_confidence',
        `confidence ${r.confidence} is under the minimum ${policy.minConfidence}`,
      );
  });
  const statusChanges = masked
    .map((r, index) => ({ r, index }))
    .filter(({ r, index }) => r.action === 'update_status' && !withheld.has(index));
  for (const { index } of statusChanges.slice(1))
    withhold(index, 'one_status_change', 'only one status change per review');

  const remaining = masked.map((r, index) => ({ r, index })).filter(({ index }) => !withheld.has(index));
  if (remaining.length > policy.maxWrites) {
    // Keep the most confident; ties keep the author's order.
    const keep = new Set(
      [...remaining]
        .sort((a, b) => b.r.confidence - a.r.confidence || a.index - b.index)
        .slice(0, policy.maxWrites)
        .map(({ index }) => index),
    );
    for (const { index } of remaining)
      if (!keep.has(index))
        withhold(index, 'too_many_writes', `at most ${policy.maxWrites} writes per review`);
  }

  return {
    recommendations: masked.filter((_, index) => !withheld.has(index)),
    findings,
    violations,
    passed: violations.length === 0,
  };
}
