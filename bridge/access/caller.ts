import { API_SCOPES, type ApiScope } from '#runtime/config';

/** Where a request reached the bridge. */
export type CallerSource = 'api' | 'ws' | 'mcp' | 'stdio' | 'agent';

/**
 * Who is making a call, carried from the front that authenticated it down to the tool: local
 * tools decide with it (deciding an approval needs `admin`), and audit rows and decision records
 * name it. A call without a caller is refused by every tool that needs a scope (fail closed).
 */
export interface Caller {
  /**
   * The API key's name; `stdio` for the local user of `switchyard mcp` (the machine's owner);
   * `anonymous` on an open API (loopback, no keys configured); `agent:<name>` for an agent's calls.
   */
  readonly name: string;
  readonly source: CallerSource;
  readonly scopes: ReadonlySet<ApiScope>;
  /** For an agent's calls: the run making them. */
  readonly runId?: string;
  /** For an agent's calls: who submitted the run (the key's name), when known. */
  readonly onBehalfOf?: string;
}

const ALL_SCOPES: ReadonlySet<ApiScope> = new Set(API_SCOPES);

/** The local user of `switchyard mcp`: whoever can write to its stdin owns the machine. */
export const STDIO_CALLER: Caller = Object.freeze({ name: 'stdio', source: 'stdio', scopes: ALL_SCOPES });

/** A caller of an open API: it listens on loopback only, and every scope is granted there. */
export function anonymousCaller(source: CallerSource): Caller {
  return { name: 'anonymous', source, scopes: ALL_SCOPES };
}

/** The caller an API key makes. */
export function keyCaller(
  key: { name: string; scopes: ReadonlySet<ApiScope> },
  source: CallerSource,
): Caller {
  return { name: key.name, source, scopes: key.scopes };
}

/** An agent's run calling tools: it may call (its policy narrows which tools), never decide or administer. */
export function agentCaller(agent: string, runId: string, onBehalfOf?: string): Caller {
  return {
    name: `agent:${agent}`,
    source: 'agent',
    scopes: new Set<ApiScope>(['call']),
    runId,
    ...(onBehalfOf === undefined ? {} : { onBehalfOf }),
  };
}

export function hasScope(caller: Caller | undefined, scope: ApiScope): boolean {
  return caller?.scopes.has(scope) === true;
}
