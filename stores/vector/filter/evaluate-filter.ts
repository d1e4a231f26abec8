import type { Metadata } from '../types.js';
import type { FilterNode, Scalar } from './filter-ast.js';

const MISSING = Symbol('missing');

/** Reads a dotted path; MISSING when a step is absent, not an object, or the value is null. */
export function resolvePath(metadata: Metadata, path: readonly string[]): unknown {
  let current: unknown = metadata;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return MISSING;
    if (!Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return current === null ? MISSING : current;
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The reference semantics of the filter language (see filter-ast.ts); `null` matches everything. */
export function evaluateFilter(node: FilterNode | null, metadata: Metadata): boolean {
  if (node === null) return true;
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => evaluateFilter(child, metadata));
    case 'or':
      return node.children.some((child) => evaluateFilter(child, metadata));
    case 'not':
      return !evaluateFilter(node.child, metadata);
    case 'exists':
      return (resolvePath(metadata, node.path) !== MISSING) === node.exists;
    case 'set': {
      const value = resolvePath(metadata, node.path);
      const member = isScalar(value) && node.values.includes(value);
      return node.op === 'in' ? member : !member;
    }
    case 'compare': {
      const value = resolvePath(metadata, node.path);
      switch (node.op) {
        case 'eq':
          return isScalar(value) && value === node.value;
        case 'ne':
          return !(isScalar(value) && value === node.value);
        default:
          if (typeof value !== 'number') return false;
          return compareNumbers(node.op, value, node.value as number);
      }
    }
  }
}

function compareNumbers(op: 'gt' | 'gte' | 'lt' | 'lte', value: number, operand: number): boolean {
  switch (op) {
    case 'gt':
      return value > operand;
    case 'gte':
      return value >= operand;
    case 'lt':
      return value < operand;
    case 'lte':
      return value <= operand;
  }
}
