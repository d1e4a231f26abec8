import {
  bannedWordsIn,
  CHANNEL_LENGTH,
  type Channel,
  type Draft,
  type DraftScore,
  hasCallToAction,
  lengthOf,
  sentences,
  words,
} from './content-scorer.js';

/** The marketing agent's offline writing: a draft per channel from templates, and rule-based revision. */

export interface Brief {
  topic: string;
  audience: string;
  channel: Channel;
}

const CTA_BY_CHANNEL: Readonly<Record<Channel, string>> = {
  blog: 'Want to go further? Sign up for our newsletter to get the next guide first.',
  email: 'Reply to this email or book a demo, and we will walk you through it.',
  social: 'Learn more on our blog.',
};

function blog({ topic, audience }: Brief): Draft {
  const paragraphs = [
    `${audience} hear a lot about ${topic}. Most of it is noise. This guide keeps to what works in practice, and what you can try this week.`,
    `Why does ${topic} matter now? Teams have less time and more tools than ever. The ones that win pick a few habits and keep them. ${topic} is one of those habits. It pays off when it is part of the daily work, not a side project.`,
    `Start small. Pick one process that hurts today. Write down how it works now, step by step. Then ask where ${topic} would save the most time. Do that part first, and measure it for two weeks.`,
    `Share what you learn. A short note to your team about what changed, and what did not, builds trust. It also surfaces ideas you would not have found alone. Keep the note short and honest.`,
    `Plan the next step. When the first change holds, take the next process. Keep the same rhythm: describe, change, measure, share. After a quarter, the gains add up, and ${audience.toLowerCase()} see the difference in their week.`,
    `Avoid the common traps. Do not buy a tool before you know the problem. Do not change five things at once. And do not skip the measurement: without numbers, every result is an opinion.`,
    `${topic} is not magic. It is steady work, done in small steps, by people who care about the result. Start with one step today.`,
    CTA_BY_CHANNEL.blog,
  ];
  return {
    title: `${capitalize(topic)}: a practical guide for ${audience.toLowerCase()}`,
    body: paragraphs.join('\n\n'),
  };
}

function email({ topic, audience }: Brief): Draft {
  const body = [
    'Hi there,',
    `We know ${audience.toLowerCase()} have little time, so here is the short version on ${topic}.`,
    `It helps you cut busywork and focus on what moves the needle. Teams like yours start with one process, measure it for two weeks, and then expand. Most see the first results within a month.`,
    `We put together a short guide with the steps, the traps to avoid, and a checklist you can use today.`,
    CTA_BY_CHANNEL.email,
    'Best regards,\nThe team',
  ];
  return { title: `${capitalize(topic)}, in five minutes`, body: body.join('\n\n') };
}

function social({ topic, audience }: Brief): Draft {
  return {
    title: capitalize(topic),
    body: `${audience}: ${topic} works best in small steps. Pick one process, measure it for two weeks, then grow. ${CTA_BY_CHANNEL.social}`,
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function draftFromTemplate(brief: Brief): Draft {
  return { blog, email, social }[brief.channel](brief);
}

/**
 * One rule-based revision, aimed at the factors that lost points: banned words are removed, a
 * missing call to action is added, long sentences are split, and the body is trimmed or extended
 * toward the channel's length.
 */
export function reviseDraft(draft: Draft, score: DraftScore, brief: Brief, banned: readonly string[]): Draft {
  let { title, body } = draft;
  const weak = new Set(score.factors.filter((f) => f.value < 1).map((f) => f.name));
  if (weak.has('banned_words')) {
    for (const word of bannedWordsIn(`${title}\n${body}`, banned)) {
      const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const pattern = new RegExp(`(^|[^A-Za-z0-9])${escaped}(?=$|[^A-Za-z0-9])`, 'gi');
      title = tidy(title.replace(pattern, '$1'));
      body = body
        .split('\n')
        .map((line) => tidy(line.replace(pattern, '$1')))
        .join('\n');
    }
  }
  if (weak.has('readability')) body = splitLongSentences(body);
  if (weak.has('call_to_action') && !hasCallToAction(body))
    body = `${body.trimEnd()}\n\n${CTA_BY_CHANNEL[brief.channel]}`;
  if (weak.has('length')) body = fitLength({ title, body }, brief);
  return { title: title || capitalize(brief.topic), body };
}

function tidy(text: string): string {
  return text
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\s+([,.!?:;])/g, '$1')
    .replace(/^[\s:,-]+/, '')
    .replace(/(^|[.!?]\s+)([a-z])/g, (_, lead: string, c: string) => `${lead}${c.toUpperCase()}`)
    .trimEnd();
}

function splitLongSentences(body: string): string {
  return body
    .split('\n\n')
    .map((paragraph) =>
      sentences(paragraph)
        .map((s) => {
          if (words(s).length <= 25) return s;
          const at = s.search(/,\s+(and|but|so|which)\s+/);
          if (at === -1) return s;
          const rest = s
            .slice(at + 1)
            .trim()
            .replace(/^(and|but|so|which)\s+/, '');
          return `${s.slice(0, at)}. ${rest.charAt(0).toUpperCase()}${rest.slice(1)}`;
        })
        .join(' '),
    )
    .join('\n\n');
}

function fitLength(draft: Draft, brief: Brief): string {
  const { min, max, unit } = CHANNEL_LENGTH[brief.channel];
  const length = lengthOf(draft, brief.channel);
  if (length > max) {
    // Keep the call to action (the last paragraph or sentence) and drop from the middle.
    if (unit === 'characters') {
      const cta = CTA_BY_CHANNEL[brief.channel];
      const room = max - cta.length - 2;
      const head = draft.body
        .replace(cta, '')
        .trim()
        .slice(0, room)
        .replace(/\s+\S*$/, '');
      return `${head}… ${cta}`;
    }
    const paragraphs = draft.body.split('\n\n');
    while (paragraphs.length > 2 && words(paragraphs.join(' ')).length > max) paragraphs.splice(-2, 1);
    return paragraphs.join('\n\n');
  }
  if (length < min) {
    const extra = `Here is why ${brief.topic} matters to ${brief.audience.toLowerCase()}: it saves time every week, and the first step is small.`;
    const paragraphs = draft.body.split('\n\n');
    const last = paragraphs.pop() ?? '';
    const filler =
      unit === 'characters' ? [extra.slice(0, Math.max(0, max - draft.body.length - 2))] : [extra];
    return [...paragraphs, ...filler.filter(Boolean), last].join('\n\n');
  }
  return draft.body;
}
