import { z } from 'zod';
import { ValidationError } from '#core';
import { EntitySchema, RelationSchema, type Entity, type Relation } from './graph-types.js';

// One line of the reference server's memory file (its saveGraph writes exactly these).
const LineSchema = z.discriminatedUnion('type', [
  EntitySchema.extend({ type: z.literal('entity') }),
  RelationSchema.extend({ type: z.literal('relation') }),
]);

export type MemoryLine = { type: 'entity'; entity: Entity } | { type: 'relation'; relation: Relation };

export interface ParsedMemoryFile {
  lines: MemoryLine[];
  /** Lines with another `type`, which the reference's loader ignores too. */
  skipped: number;
}

/**
 * Parses a JSONL memory file completely before anything is written, so a bad line refuses the
 * whole import instead of leaving half of it. Errors name the line number but never echo its
 * content (the path may point at a file that is not a memory file).
 */
export function parseMemoryFile(text: string): ParsedMemoryFile {
  const lines: MemoryLine[] = [];
  let skipped = 0;
  text.split('\n').forEach((raw, index) => {
    if (raw.trim() === '') return;
    const lineNo = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ValidationError(`line ${lineNo} is not JSON`, { line: lineNo }, error);
    }
    const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
    if (type !== 'entity' && type !== 'relation') {
      skipped++;
      return;
    }
    const parsed = LineSchema.safeParse(value);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(line)').join(', ');
      throw new ValidationError(`line ${lineNo} is not a valid ${type} (check: ${fields})`, { line: lineNo });
    }
    const line = parsed.data;
    lines.push(
      line.type === 'entity'
        ? {
            type: 'entity',
            entity: { name: line.name, entityType: line.entityType, observations: line.observations },
          }
        : { type: 'relation', relation: { from: line.from, to: line.to, relationType: line.relationType } },
    );
  });
  return { lines, skipped };
}
