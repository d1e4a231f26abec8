import type { Server, LoggingLevel, RequestId } from '@modelcontextprotocol/server';

/** One client connected to the front: its SDK server and what the hub keeps for it. */
export interface FrontSession {
  /** For logs; unique within the process. */
  readonly id: number;
  readonly server: Server;
  /** Set by the client's `logging/setLevel`; undefined admits every message. */
  logLevel: LoggingLevel | undefined;
  /** Resource URIs this session subscribed to. */
  readonly subscriptions: Set<string>;
}

/** A `tools/call` of one session under way to one upstream. */
export interface InflightCall {
  readonly session: FrontSession;
  /** The client's request id: server-to-client requests relayed for it are tied to it. */
  readonly requestId: RequestId;
  readonly server: string;
  /**
   * Who made the call (the API key's name; `stdio`, `anonymous` where there are no keys):
   * a request an upstream sends during it may only reach a session of the same principal.
   */
  readonly owner: string | undefined;
}

const SEVERITY: readonly LoggingLevel[] = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
];

/** Whether a message at `level` passes a session whose threshold is `threshold`. */
export function levelAdmits(threshold: LoggingLevel | undefined, level: LoggingLevel): boolean {
  return threshold === undefined || SEVERITY.indexOf(level) >= SEVERITY.indexOf(threshold);
}

/** The most verbose of `levels`; undefined when there is none. */
export function mostVerbose(levels: Iterable<LoggingLevel | undefined>): LoggingLevel | undefined {
  let best: number | undefined;
  for (const level of levels) {
    if (level === undefined) continue;
    const index = SEVERITY.indexOf(level);
    if (best === undefined || index < best) best = index;
  }
  return best === undefined ? undefined : SEVERITY[best];
}
