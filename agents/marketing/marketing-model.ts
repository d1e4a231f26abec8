import { z } from 'zod';
import type { ChatMessage } from '#runtime/llm';
import { CHANNEL_LENGTH, type Draft, type DraftScore } from './content-scorer.js';
import type { Brief } from './content-templates.js';
import { extractJson } from '../agent-steps.js';

/** How the marketing agent asks a model to draft or revise, and how it checks the answer. */

export const modelDraftSchema = z.object({
  title: z.string().trim().min(1).max(300),
  body: z.string().trim().min(1).max(50_000),
});

function system(brief: Brief, banned: readonly string[]): string {
  const { min, max, unit } = CHANNEL_LENGTH[brief.channel];
  return (
    `You are a marketing writer. Write for the ${brief.channel} channel: ${min}–${max} ${unit}, short sentences, ` +
    `one clear call to action (e.g. "sign up", "learn more"), none of these words: ${banned.join(', ')}. ` +
    'Answer with ONE JSON object and nothing else: {"title": "...", "body": "..."}.'
  );
}

export function draftMessages(brief: Brief, banned: readonly string[]): ChatMessage[] {
  return [
    { role: 'system', content: system(brief, banned) },
    { role: 'user', content: `Topic: ${brief.topic}\nAudience: ${brief.audience}` },
  ];
}

export function reviseMessages(
  brief: Brief,
  banned: readonly string[],
  draft: Draft,
  score: DraftScore,
): ChatMessage[] {
  const weak = score.factors.filter((f) => f.value < 1).map((f) => `- ${f.name}: ${f.note}`);
  return [
    { role: 'system', content: system(brief, banned) },
    {
      role: 'user',
      content:
        `Topic: ${brief.topic}\nAudience: ${brief.audience}\n\nThis draft scored ${score.score}/100. Fix:\n${weak.join('\n')}\n\n` +
        JSON.stringify(draft),
    },
  ];
}

export function parseModelDraft(text: string): Draft | undefined {
  const parsed = modelDraftSchema.safeParse(extractJson(text));
  return parsed.success ? parsed.data : undefined;
}
