import { ValidationError } from '#core';
import type { CompareOp, FilterInput, FilterNode, Scalar, SetOp } from './filter-ast.js';

const MAX_DEPTH = 32;
const MAX_SET_SIZE = 10_000;
const COMPARE_OPS: Record<string, CompareOp> = {
  $eq: 'eq',
  $ne: 'ne',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};
const SET_OPS: Record<string, SetOp> = { $in: 'in', $nin: 'nin' };
const KNOWN = '$eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $not';

/**
 * Validates a filter and returns its AST; `null` for an absent or empty filter (matches everything).
 * Errors are ValidationErrors whose `details.at` is the JSON path of the bad part (`$.$and[1].age`).
 */
export function parseFilter(input: unknown): FilterNode | null {
  if (input === undefined || input === null) return null;
  if (isPlainObject(input) && Object.keys(input).length === 0) return null;
  return parseObject(input, '$', 0);
}

function fail(at: string, message: string): never {
  throw new ValidationError(`invalid filter at ${at}: ${message}`, { at });
}

function parseObject(input: unknown, at: string, depth: number): FilterNode {
  if (depth > MAX_DEPTH) fail(at, `nested deeper than ${MAX_DEPTH} levels`);
  if (!isPlainObject(input)) fail(at, `expected an object like {"field": value}, got ${describe(input)}`);
  const entries = Object.entries(input as FilterInput);
  if (entries.length === 0) fail(at, 'empty object; omit the filter to match everything');
  const nodes = entries.map(([key, value]) => parseEntry(key, value, at, depth));
  return nodes.length === 1 ? nodes[0]! : { kind: 'and', children: nodes };
}

function parseEntry(key: string, value: unknown, at: string, depth: number): FilterNode {
  const here = `${at}.${key}`;
  if (key === '$and' || key === '$or') {
    if (!Array.isArray(value) || value.length === 0) fail(here, `${key} takes a non-empty array of filters`);
    const children = value.map((child, i) => parseObject(child, `${here}[${i}]`, depth + 1));
    return { kind: key === '$and' ? 'and' : 'or', children };
  }
  if (key === '$not') return { kind: 'not', child: parseObject(value, here, depth + 1) };
  if (key.startsWith('$')) fail(here, `unknown operator '${key}' at the top of a filter (known: ${KNOWN})`);
  const path = parsePath(key, here);
  if (isPlainObject(value)) return parseOperators(path, value as FilterInput, here);
  return { kind: 'compare', path, op: 'eq', value: parseScalar(value, here) };
}

function parsePath(key: string, at: string): string[] {
  const path = key.split('.');
  if (path.some((segment) => segment.length === 0)) fail(at, `field '${key}' has an empty path segment`);
  return path;
}

function parseOperators(path: string[], operators: FilterInput, at: string): FilterNode {
  const entries = Object.entries(operators);
  if (entries.length === 0) fail(at, 'empty operator object');
  const nodes = entries.map(([op, operand]): FilterNode => {
    const here = `${at}.${op}`;
    const compareOp = COMPARE_OPS[op];
    if (compareOp) {
      if (compareOp !== 'eq' && compareOp !== 'ne') {
        if (typeof operand !== 'number' || !Number.isFinite(operand)) {
          fail(here, `${op} takes a finite number, got ${describe(operand)}`);
        }
        return { kind: 'compare', path, op: compareOp, value: operand };
      }
      return { kind: 'compare', path, op: compareOp, value: parseScalar(operand, here) };
    }
    const setOp = SET_OPS[op];
    if (setOp) {
      if (!Array.isArray(operand) || operand.length === 0)
        fail(here, `${op} takes a non-empty array of values`);
      if (operand.length > MAX_SET_SIZE) fail(here, `${op} takes at most ${MAX_SET_SIZE} values`);
      return { kind: 'set', path, op: setOp, values: operand.map((v, i) => parseScalar(v, `${here}[${i}]`)) };
    }
    if (op === '$exists') {
      if (typeof operand !== 'boolean') fail(here, `$exists takes true or false, got ${describe(operand)}`);
      return { kind: 'exists', path, exists: operand };
    }
    if (!op.startsWith('$')) {
      fail(at, `nested objects are not matched by value; use a dotted key like '${path.join('.')}.${op}'`);
    }
    return fail(here, `unknown operator '${op}' (known: ${KNOWN})`);
  });
  return nodes.length === 1 ? nodes[0]! : { kind: 'and', children: nodes };
}

function parseScalar(value: unknown, at: string): Scalar {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return fail(at, `expected a string, finite number or boolean, got ${describe(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value;
}
