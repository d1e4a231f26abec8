import { describe, expect, it } from 'vitest';
import { bannedWordsIn, scoreDraft } from '../../../../agents/marketing/content-scorer.js';
import { draftFromTemplate, reviseDraft } from '../../../../agents/marketing/content-templates.js';

const factor = (score: ReturnType<typeof scoreDraft>, name: string) =>
  score.factors.find((f) => f.name === name)!;

describe('content scorer', () => {
  it('gives a short, clear social post with a call to action full marks', () => {
    const score = scoreDraft(
      {
        title: 'Tip',
        body: 'Automate one process this week. Measure it. Then grow. Learn more on our blog.',
      },
      'social',
    );
    expect(score.score).toBe(100);
  });

  it('takes points for a missing call to action, banned words and a wrong length', () => {
    const score = scoreDraft({ title: 'Guaranteed results', body: 'Short.' }, 'email');
    expect(factor(score, 'call_to_action').value).toBe(0);
    expect(factor(score, 'banned_words').note).toBe('banned: guaranteed');
    expect(factor(score, 'length').value).toBeCloseTo(1 / 60);
    expect(score.score).toBeLessThan(30);
  });

  it('scores long sentences of long words as hard to read', () => {
    const long = `${'Extraordinarily complicated organizational considerations '.repeat(10)}.`;
    expect(factor(scoreDraft({ title: 't', body: long }, 'blog'), 'readability').value).toBe(0);
  });

  it('matches banned words as words, not inside others', () => {
    expect(bannedWordsIn('A miracle! Act now.', ['miracle', 'act now', 'now'])).toEqual([
      'miracle',
      'act now',
      'now',
    ]);
    expect(bannedWordsIn('Miraculous snow', ['miracle', 'now'])).toEqual([]);
  });
});

describe('content templates', () => {
  for (const channel of ['blog', 'email', 'social'] as const) {
    it(`writes a ${channel} draft that passes the default threshold`, () => {
      const draft = draftFromTemplate({ topic: 'workflow automation', audience: 'Ops leads', channel });
      expect(draft.body).toContain('workflow automation');
      expect(scoreDraft(draft, channel).score).toBeGreaterThanOrEqual(75);
    });
  }

  it('revises away banned words and adds a missing call to action', () => {
    const brief = { topic: 'guaranteed savings', audience: 'Owners', channel: 'social' as const };
    const draft = {
      title: 'Guaranteed savings',
      body: 'Owners: our guaranteed savings plan cuts costs in small steps, week by week.',
    };
    const revised = reviseDraft(draft, scoreDraft(draft, 'social'), brief, ['guaranteed']);
    expect(revised.title).toBe('Savings');
    expect(revised.body).not.toMatch(/guaranteed/i);
    expect(revised.body).toMatch(/Learn more on our blog\.$/);
    expect(scoreDraft(revised, 'social', ['guaranteed']).score).toBe(100);
  });

  it('trims a social post that is too long and keeps its call to action', () => {
    const brief = { topic: 't', audience: 'a', channel: 'social' as const };
    const draft = { title: 't', body: `${'Word after word. '.repeat(30)}Learn more on our blog.` };
    const revised = reviseDraft(draft, scoreDraft(draft, 'social'), brief, []);
    expect(revised.body.length).toBeLessThanOrEqual(280);
    expect(revised.body).toMatch(/Learn more on our blog\.$/);
  });
});
