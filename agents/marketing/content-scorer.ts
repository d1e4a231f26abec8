/** The marketing agent's scorer: how good a draft is for its channel, 0..100, with the reasons. */

export type Channel = 'blog' | 'email' | 'social';

export interface Draft {
  title: string;
  body: string;
}

export interface Factor {
  name: 'readability' | 'length' | 'call_to_action' | 'banned_words';
  /** 0..1 */
  value: number;
  weight: number;
  note: string;
}

export interface DraftScore {
  /** 0..100: the weighted sum of the factors. */
  score: number;
  factors: Factor[];
}

/** Length a channel wants: words for blog and email, characters for social (the body alone). */
export const CHANNEL_LENGTH: Readonly<
  Record<Channel, { min: number; max: number; unit: 'words' | 'characters' }>
> = {
  blog: { min: 250, max: 2000, unit: 'words' },
  email: { min: 60, max: 300, unit: 'words' },
  social: { min: 60, max: 280, unit: 'characters' },
};

/** Words that make copy sound like spam or promise what cannot be kept. */
export const DEFAULT_BANNED_WORDS: readonly string[] = [
  'guaranteed',
  'risk-free',
  'act now',
  'miracle',
  'no-brainer',
  'click here',
  'revolutionary',
  'best ever',
  'free money',
  '100%',
];

const CTA =
  /\b(sign up|register|subscribe|get started|start (your|a) (free )?trial|book a (demo|call)|contact us|learn more|read more|download|try it|join us|reply to this email|request a demo)\b/i;

const WEIGHTS = { readability: 25, length: 25, call_to_action: 20, banned_words: 30 } as const;

export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w));
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n{2,}/)
    .map((s) => s.trim())
    .filter((s) => words(s).length > 0);
}

export function hasCallToAction(text: string): boolean {
  return CTA.test(text);
}

export function bannedWordsIn(text: string, banned: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return banned.filter((word) => {
    const escaped = word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`).test(lower);
  });
}

export function lengthOf(draft: Draft, channel: Channel): number {
  return CHANNEL_LENGTH[channel].unit === 'words' ? words(draft.body).length : draft.body.trim().length;
}

const clamp = (n: number) => Math.max(0, Math.min(1, n));

export function scoreDraft(
  draft: Draft,
  channel: Channel,
  banned: readonly string[] = DEFAULT_BANNED_WORDS,
): DraftScore {
  const text = `${draft.title}\n\n${draft.body}`;
  const all = words(draft.body);
  const count = sentences(draft.body).length || 1;
  const perSentence = all.length / count;
  const perWord = all.reduce((sum, w) => sum + w.replace(/[^A-Za-z]/g, '').length, 0) / (all.length || 1);
  // Short sentences (≤ 15 words) and short words (≤ 5 letters) read easily; 30 words and 8 letters do not.
  const readability = (clamp((30 - perSentence) / 15) + clamp((8 - perWord) / 3)) / 2;

  const { min, max, unit } = CHANNEL_LENGTH[channel];
  const length = lengthOf(draft, channel);
  const lengthValue = length < min ? length / min : length > max ? max / length : 1;

  const cta = hasCallToAction(text);
  const found = bannedWordsIn(text, banned);
  const factors: Factor[] = [
    {
      name: 'readability',
      value: readability,
      weight: WEIGHTS.readability,
      note: `${perSentence.toFixed(1)} words per sentence, ${perWord.toFixed(1)} letters per word`,
    },
    {
      name: 'length',
      value: clamp(lengthValue),
      weight: WEIGHTS.length,
      note: `${length} ${unit}; ${channel} wants ${min}–${max}`,
    },
    {
      name: 'call_to_action',
      value: cta ? 1 : 0,
      weight: WEIGHTS.call_to_action,
      note: cta ? 'has a call to action' : 'no call to action (e.g. "sign up", "learn more")',
    },
    {
      name: 'banned_words',
      value: found.length === 0 ? 1 : 0,
      weight: WEIGHTS.banned_words,
      note: found.length === 0 ? 'no banned words' : `banned: ${found.join(', ')}`,
    },
  ];
  const score = Math.round(factors.reduce((sum, f) => sum + f.value * f.weight, 0));
  return { score, factors };
}
