import { describe, expect, it } from 'vitest';
import { compileQdrantFilter } from '../../../../stores/vector/backends/qdrant/compile-qdrant-filter.js';
import { encodePayload, METADATA_KEY } from '../../../../stores/vector/backends/qdrant/qdrant-payload.js';
import { evaluateFilter } from '../../../../stores/vector/filter/evaluate-filter.js';
import type { FilterInput } from '../../../../stores/vector/filter/filter-ast.js';
import { parseFilter } from '../../../../stores/vector/filter/parse-filter.js';
import type { Metadata } from '../../../../stores/vector/types.js';
import { FILTER_CASES } from '../../../integration/stores/vector/conformance.js';

/**
 * Without a Qdrant server, the compiled filters and the payload layout are checked against a model
 * of how Qdrant evaluates a filter, written from its source (lib/segment: json_path/parse.rs and
 * get.rs for keys, payload_storage/condition_checker.rs and query_checker.rs for conditions):
 * - a key is `first(.raw|."quoted")*`; a step into anything but an object yields no value
 *   (JsonPath v2 does not enter arrays without `[]`);
 * - no value → a match/range condition is false, is_empty is true;
 * - an array value matches when any element does; is_empty holds for null and [];
 * - match {value}: string↔string, bool↔bool, integer↔number with as_i64 (a non-integer operand is
 *   a request error); match {any}: all strings or all integers; range: any JSON number as f64;
 * - a filter is should (any) ∧ must (all) ∧ must_not (none).
 * With a server, the conformance suite checks the same against Qdrant itself.
 */

type Condition = Record<string, unknown>;

function parseKey(key: string): string[] {
  const segments: string[] = [];
  const pattern = /(?:^|\.)(?:"([^"\\]*)"|([\p{L}\p{N}_-]+))/uy;
  let match: RegExpExecArray | null;
  pattern.lastIndex = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: a sticky-regex tokenizer loop
  while (pattern.lastIndex < key.length && (match = pattern.exec(key))) segments.push(match[1] ?? match[2]!);
  if (pattern.lastIndex !== key.length) throw new Error(`Qdrant would reject the key ${key}`);
  return segments;
}

function valuesAt(payload: Record<string, unknown>, key: string): unknown[] {
  let current: unknown = payload;
  for (const segment of parseKey(key)) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return [];
    if (!Object.hasOwn(current, segment)) return [];
    current = (current as Record<string, unknown>)[segment];
  }
  return [current];
}

function matchOne(condition: Condition, value: unknown): boolean {
  const match = condition.match as { value?: unknown; any?: unknown[] } | undefined;
  const range = condition.range as { gt?: number; gte?: number; lt?: number; lte?: number } | undefined;
  if (match && 'value' in match) {
    const operand = match.value;
    if (typeof operand === 'number' && !Number.isInteger(operand))
      throw new Error('match value must be an integer');
    if (typeof operand === 'number')
      return typeof value === 'number' && Number.isInteger(value) && value === operand;
    return typeof value === typeof operand && value === operand;
  }
  if (match && 'any' in match) {
    const list = match.any!;
    if (list.every((x) => typeof x === 'string')) return typeof value === 'string' && list.includes(value);
    if (list.every((x) => Number.isInteger(x))) return Number.isInteger(value) && list.includes(value);
    throw new Error('match any takes strings or integers');
  }
  if (range) {
    if (typeof value !== 'number') return false;
    return (
      (range.gt === undefined || value > range.gt) &&
      (range.gte === undefined || value >= range.gte) &&
      (range.lt === undefined || value < range.lt) &&
      (range.lte === undefined || value <= range.lte)
    );
  }
  throw new Error(`model does not know condition ${JSON.stringify(condition)}`);
}

function check(condition: Condition, payload: Record<string, unknown>): boolean {
  if ('must' in condition || 'should' in condition || 'must_not' in condition) {
    const list = (k: string) => (condition[k] as Condition[] | undefined) ?? [];
    const holds = (c: Condition) => check(c, payload);
    // An absent `should` is no constraint; a present one needs one match.
    const should = 'should' in condition ? list('should').some(holds) : true;
    return should && list('must').every(holds) && !list('must_not').some(holds);
  }
  if ('is_empty' in condition) {
    const values = valuesAt(payload, (condition.is_empty as { key: string }).key);
    return values.every((v) => v === null || (Array.isArray(v) && v.length === 0));
  }
  const values = valuesAt(payload, condition.key as string);
  return values.some((v) =>
    Array.isArray(v) ? v.some((x) => matchOne(condition, x)) : matchOne(condition, v),
  );
}

/** The conformance data's shapes, plus arrays (empty, of objects), objects, odd keys and numeric strings. */
function metadataFor(i: number): Metadata {
  const metadata: Metadata = { n: i, tag: ['red', 'green', 'blue'][i % 3]!, even: i % 2 === 0 };
  if (i % 4 !== 0) metadata.score = i * 1.5;
  if (i % 5 === 0) metadata.owner = { region: i % 10 === 0 ? 'eu' : 'us', tier: i % 3 };
  if (i % 7 === 0) metadata.note = null;
  if (i % 7 === 1) metadata.note = 'kept';
  if (i === 3) metadata.tag = 3;
  if (i % 6 === 0) metadata.list = [1, 2, 3];
  if (i % 6 === 1) metadata.list = 1;
  if (i % 6 === 2) metadata.list = [];
  if (i % 6 === 3) metadata.list = [{ a: 1 }, null];
  if (i % 8 === 0) metadata.items = [{ a: 1 }, { a: 2 }];
  if (i % 8 === 1) metadata.items = { a: 1 };
  if (i % 9 === 0) metadata.deep = { tags: ['x', 'y'], empty: {} };
  if (i % 9 === 1) metadata.deep = { tags: 'x' };
  if (i % 3 === 0) metadata['with space'] = i % 2 === 0 ? 'yes' : 'no';
  if (i % 4 === 1) metadata.ünï = 'x';
  if (i % 5 === 1) metadata.code = '5';
  if (i % 5 === 2) metadata.code = 5;
  if (i % 5 === 3) metadata.code = true;
  return metadata;
}

const EXTRA_CASES: { name: string; filter: FilterInput }[] = [
  { name: 'an array equals no scalar', filter: { list: 1 } },
  { name: '$ne on an array field', filter: { list: { $ne: 1 } } },
  { name: '$in on an array field', filter: { list: { $in: [1, 2] } } },
  { name: '$nin on an array field', filter: { list: { $nin: [2] } } },
  { name: 'a range on an array field', filter: { list: { $gt: 0 } } },
  { name: 'an array, even empty, exists', filter: { list: { $exists: true } } },
  { name: 'an array, even empty, is not missing', filter: { list: { $exists: false } } },
  { name: 'a path through an array is missing', filter: { 'items.a': { $exists: false } } },
  { name: 'a path through an array matches nothing', filter: { 'items.a': 1 } },
  { name: 'a nested array', filter: { 'deep.tags': 'x' } },
  { name: 'an empty object exists', filter: { 'deep.empty': { $exists: true } } },
  { name: 'an object equals no scalar', filter: { $not: { owner: 'eu' } } },
  { name: '$eq on a non-integer number', filter: { score: 1.5 } },
  { name: '$in over every type', filter: { code: { $in: ['5', 5, true, 7.5] } } },
  { name: 'strict types: the string "5"', filter: { code: '5' } },
  { name: 'strict types: the number 5', filter: { code: 5 } },
  { name: 'strict types: true', filter: { code: true } },
  { name: '$ne keeps types apart', filter: { code: { $ne: 5 } } },
  { name: 'a key with a space', filter: { 'with space': 'yes' } },
  { name: 'a non-ASCII key', filter: { ünï: { $exists: true } } },
  { name: 'negated $or', filter: { $not: { $or: [{ 'owner.tier': { $gte: 1 } }, { note: 'kept' }] } } },
];

const records = Array.from({ length: 72 }, (_, i) => ({
  id: `doc-${i}`,
  metadata: metadataFor(i),
  // As Qdrant stores it: the encoded payload after a JSON round trip.
  payload: JSON.parse(
    JSON.stringify(encodePayload({ id: `doc-${i}`, vector: [0], metadata: metadataFor(i) })),
  ),
}));

describe('compiled Qdrant filters over encoded payloads match the reference semantics', () => {
  for (const { name, filter } of [...FILTER_CASES, ...EXTRA_CASES]) {
    it(name, () => {
      const node = parseFilter(filter);
      const compiled = compileQdrantFilter(node)!;
      const expected = records.filter((r) => evaluateFilter(node, r.metadata)).map((r) => r.id);
      const actual = records.filter((r) => check(compiled, r.payload)).map((r) => r.id);
      expect(actual).toEqual(expected);
    });
  }

  it('would differ on arrays if payloads kept them in place (why encodePayload moves them out)', () => {
    const naive = records.map((r) => ({ id: r.id, payload: { [METADATA_KEY]: r.metadata } }));
    const differs = EXTRA_CASES.filter(({ filter }) => {
      const node = parseFilter(filter);
      const compiled = compileQdrantFilter(node)!;
      return records.some((r, i) => evaluateFilter(node, r.metadata) !== check(compiled, naive[i]!.payload));
    }).map((c) => c.name);
    expect(differs).toEqual(
      expect.arrayContaining([
        'an array equals no scalar',
        '$ne on an array field',
        'an array, even empty, is not missing',
        'a nested array',
      ]),
    );
  });
});
