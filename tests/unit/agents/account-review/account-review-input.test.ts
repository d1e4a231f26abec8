import { describe, expect, it } from 'vitest';
import { accountReviewAgent } from '../../../../agents/account-review/account-review-agent.js';
import { ValidationError } from '../../../../core/errors.js';

describe('account-review input', () => {
  const parse = (input: unknown) => accountReviewAgent.parseInput!(input);

  it('takes an account id and who asked', () => {
    expect(parse({ accountId: 'acc_s42_000007', requestedBy: 'alice' })).toEqual({
      accountId: 'acc_s42_000007',
      requestedBy: 'alice',
    });
  });

  it('refuses autoApprove: every review waits for a person', () => {
    expect(() => parse({ accountId: 'acc_s42_000007', autoApprove: true })).toThrow(ValidationError);
    expect(() => parse({ accountId: 'acc_s42_000007', autoApprove: true })).toThrow(/autoApprove/);
  });

  it('names the bad field', () => {
    expect(() => parse({ accountId: 'not-an-account' })).toThrow(/accountId: expected a crm account id/);
    expect(() => parse({})).toThrow(/accountId/);
    expect(() => parse({ accountId: 'acc_1', extra: 1 })).toThrow(ValidationError);
  });

  it('lets its tools through the allow list but gates none of them itself', () => {
    expect(accountReviewAgent.policy).toMatchObject({ allowTools: ['crm__*', 'memory__*'] });
    expect(accountReviewAgent.policy?.approvalTools).toBeUndefined();
  });
});
