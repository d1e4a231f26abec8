import { describe, expect, it } from 'vitest';
import { accountReviewBatchAgent } from '../../../../agents/account-review-batch/account-review-batch-agent.js';
import { ValidationError } from '../../../../core/errors.js';

describe('account-review-batch input and fan-out', () => {
  const parse = (input: unknown) => accountReviewBatchAgent.parseInput!(input);
  const fanOut = (input: unknown) => accountReviewBatchAgent.fanOut!(parse(input));

  it('takes 1..500 distinct crm account ids', () => {
    expect(parse({ accountIds: ['acc_s42_000001'] })).toEqual({ accountIds: ['acc_s42_000001'] });
    const many = Array.from({ length: 500 }, (_, i) => `acc_${i}`);
    expect(parse({ accountIds: many })).toEqual({ accountIds: many });
  });

  it('names the bad field and says what is wrong', () => {
    expect(() => parse({ accountIds: [] })).toThrow(/accountIds: expected at least 1 account id/);
    expect(() => parse({ accountIds: Array.from({ length: 501 }, (_, i) => `acc_${i}`) })).toThrow(
      /accountIds: expected at most 500 account ids; split the batch/,
    );
    expect(() => parse({ accountIds: ['acc_1', 'acc 2'] })).toThrow(
      /accountIds\.1: expected a crm account id such as acc_s42_000007/,
    );
    expect(() => parse({ accountIds: ['acc_1', 'acc_2', 'acc_2'] })).toThrow(
      /accountIds\.2: duplicate of accountIds\.1 \(acc_2\)/,
    );
    expect(() => parse({})).toThrow(/account-review-batch input: accountIds/);
    expect(() => parse({ accountIds: ['acc_1'], extra: true })).toThrow(ValidationError);
    try {
      parse({ accountIds: ['acc_1', 'acc_1'] });
      expect.unreachable();
    } catch (error) {
      expect((error as ValidationError).details).toEqual({ field: 'accountIds.1' });
    }
  });

  it('accepts the children the queue adds, one per account', () => {
    expect(parse({ accountIds: ['acc_1', 'acc_2'], children: ['r1', 'r2'] })).toEqual({
      accountIds: ['acc_1', 'acc_2'],
      children: ['r1', 'r2'],
    });
    expect(() => parse({ accountIds: ['acc_1', 'acc_2'], children: ['r1'] })).toThrow(
      /children: 1 run id\(s\) for 2 account\(s\)/,
    );
  });

  it('fans out one account-review per account, in order, and lets the batch go on past a failed one', () => {
    expect(fanOut({ accountIds: ['acc_2', 'acc_1'] })).toEqual({
      children: [
        { agent: 'account-review', input: { accountId: 'acc_2' } },
        { agent: 'account-review', input: { accountId: 'acc_1' } },
      ],
      onChildFailure: 'continue',
    });
  });

  it('refuses children from a caller: the queue sets them', () => {
    expect(() => fanOut({ accountIds: ['acc_1'], children: ['r1'] })).toThrow(/children: set by the queue/);
  });
});
