import type { ApiScope } from '#runtime/config';
import { NotFoundError, SwitchyardError } from '#core';
import type { Caller } from '../access/caller.js';
import { SEPARATOR } from './tool-names.js';

/**
 * A tool, prompt or resource the catalog does not have. Still a `not_found` NotFoundError; the
 * message adds the closest names so a model that misspelled one can try again.
 */
export class CatalogNotFoundError extends NotFoundError {
  readonly suggestions: string[];

  constructor(kind: 'tool' | 'prompt' | 'resource', name: string, known: Iterable<string> = []) {
    super(kind, name);
    this.suggestions = suggestNames(name, known);
    if (this.suggestions.length > 0)
      this.message += `; did you mean ${this.suggestions.map((s) => `'${s}'`).join(', ')}?`;
    Object.assign(this.details, { suggestions: this.suggestions });
  }
}

/**
 * Up to `limit` known names close to `wanted`: those within a small edit distance, then those
 * sharing its server prefix (`crm__…`), closest first.
 */
export function suggestNames(wanted: string, known: Iterable<string>, limit = 5): string[] {
  const lower = wanted.toLowerCase();
  const prefix = lower.includes(SEPARATOR) ? lower.slice(0, lower.indexOf(SEPARATOR) + SEPARATOR.length) : '';
  const maxDistance = Math.max(2, Math.floor(wanted.length / 4));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of known) {
    const candidate = name.toLowerCase();
    const distance = editDistance(lower, candidate);
    if (distance <= maxDistance) scored.push({ name, score: distance });
    else if (prefix && candidate.startsWith(prefix)) scored.push({ name, score: 100 + distance });
    else if (candidate.endsWith(`${SEPARATOR}${lower}`)) scored.push({ name, score: 50 + distance });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name);
}

/** Levenshtein distance, two rows. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A caller without the scope a tool needs (`runs__approve` needs `admin`). Code `forbidden`. */
export class ToolForbiddenError extends SwitchyardError {
  constructor(tool: string, scope: ApiScope, caller: Caller | undefined) {
    super(
      'forbidden',
      caller
        ? `${tool} needs the '${scope}' scope, which ${describeCaller(caller)} lacks`
        : `${tool} needs the '${scope}' scope, and the call carries no identity`,
      { details: { tool, scope, ...(caller ? { caller: caller.name } : {}) } },
    );
  }
}

function describeCaller(caller: Caller): string {
  return caller.source === 'agent'
    ? `the run of ${caller.name.slice('agent:'.length)}`
    : `API key '${caller.name}'`;
}
