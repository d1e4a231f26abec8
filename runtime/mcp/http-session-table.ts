import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Logger } from '#core';
import type { ServedInstance, ServerFactory } from './created-server.js';

/** One MCP session over Streamable HTTP: its own server instance and transport. */
export interface HttpSession {
  /** Set when the transport accepted the initialize request; undefined before. */
  id: string | undefined;
  readonly instance: ServedInstance;
  /** Web-standard: `serveWebTransport` is its Node adapter. */
  readonly transport: WebStandardStreamableHTTPServerTransport;
  /**
   * Who opened it (the API key's name), or undefined on an open server: only the same principal
   * may use the session id afterwards.
   */
  readonly owner: string | undefined;
  /** The group its per-principal cap counts it in: the owner, or the client's address when open. */
  readonly group: string;
}

interface SessionState extends HttpSession {
  /** Requests (and open SSE streams) of this session not yet finished. */
  inflight: number;
  /** POSTs not yet answered: a session with none is idle, even with its GET stream open. */
  posts: number;
  idleTimer: NodeJS.Timeout | undefined;
  ended: boolean;
  done: Promise<void> | undefined;
  /** When its last request finished (ms since epoch); the oldest idle session goes first. */
  idleSince: number;
}

export interface HttpSessionTableOptions {
  factory: ServerFactory<ServedInstance>;
  logger: Logger;
  /** A session with no request and no open stream for this long is ended. */
  idleTtlMs: number;
}

/**
 * The live sessions of one HTTP server. An SDK server connects to exactly one transport, so each
 * session gets its own instance from the factory; ending a session (DELETE, idle expiry, server
 * close) closes that instance and runs its cleanup exactly once.
 */
export class HttpSessionTable {
  private readonly sessions = new Map<string, SessionState>();
  /** Sessions still initializing are not in the map yet, but close() must end them too. */
  private readonly pending = new Set<SessionState>();

  constructor(private readonly options: HttpSessionTableOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): HttpSession | undefined {
    return this.sessions.get(id);
  }

  /** Initialized sessions of one group. */
  countIn(group: string): number {
    let count = 0;
    for (const state of this.sessions.values()) if (state.group === group) count++;
    return count;
  }

  /**
   * Ends the session of `group` that has been idle the longest (no request waiting for its
   * answer; an open GET stream only listens, so it does not count); false when all are busy.
   */
  async endOldestIdle(group: string, reason: string): Promise<boolean> {
    let oldest: SessionState | undefined;
    for (const state of this.sessions.values())
      if (state.group === group && state.posts === 0 && (!oldest || state.idleSince < oldest.idleSince))
        oldest = state;
    if (!oldest) return false;
    await this.end(oldest, reason);
    return true;
  }

  /** Creates an instance and a transport that registers itself here once initialize succeeds. */
  async open(owner: { owner: string | undefined; group: string }): Promise<HttpSession> {
    const instance = await this.options.factory();
    const state: SessionState = {
      id: undefined,
      ...owner,
      idleSince: Date.now(),
      instance,
      transport: new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          state.id = id;
          this.pending.delete(state);
          this.sessions.set(id, state);
          this.options.logger.info({ sessionId: id }, 'mcp session started');
        },
      }),
      inflight: 0,
      posts: 0,
      idleTimer: undefined,
      ended: false,
      done: undefined,
    };
    this.pending.add(state);
    // DELETE from the client closes the transport; that ends the session here as well.
    state.transport.onclose = () => void this.end(state, 'closed by client');
    state.transport.onerror = (error) =>
      this.options.logger.debug({ err: error, sessionId: state.id }, 'mcp session transport error');
    await instance.server.connect(state.transport);
    return state;
  }

  /**
   * Counts `res` as activity of `session` until it finishes: the idle timer only runs while
   * nothing is in flight, so a long tool call or an open SSE stream never expires its session.
   */
  track(session: HttpSession, res: ServerResponse, kind: 'request' | 'stream' = 'request'): void {
    const state = session as SessionState;
    const post = kind === 'request';
    state.inflight += 1;
    if (post) state.posts += 1;
    clearTimeout(state.idleTimer);
    state.idleTimer = undefined;
    res.once('close', () => {
      state.inflight -= 1;
      if (post) {
        state.posts -= 1;
        state.idleSince = Date.now();
      }
      if (state.inflight === 0 && !state.ended) {
        state.idleTimer = setTimeout(() => void this.end(state, 'idle'), this.options.idleTtlMs);
        // The HTTP server keeps the process alive while it listens; an idle timer must not.
        state.idleTimer.unref();
      }
    });
  }

  /** Ends a session: closes its server (and transport), then runs its cleanup. Never rejects. */
  end(session: HttpSession, reason: string): Promise<void> {
    const state = session as SessionState;
    // The flag is set before anything awaits: server.close() below calls transport.onclose,
    // which calls end() again while the first call is still running.
    if (state.ended) return state.done ?? Promise.resolve();
    state.ended = true;
    clearTimeout(state.idleTimer);
    this.pending.delete(state);
    if (state.id !== undefined) this.sessions.delete(state.id);
    state.done = (async () => {
      try {
        await state.instance.server.close();
      } finally {
        await state.instance.cleanup();
      }
      if (state.id !== undefined)
        this.options.logger.info({ sessionId: state.id, reason }, 'mcp session ended');
    })().catch((error: unknown) =>
      this.options.logger.error({ err: error, sessionId: state.id, reason }, 'mcp session cleanup failed'),
    );
    return state.done;
  }

  /** Ends every session, initialized or not. */
  async endAll(reason: string): Promise<void> {
    const all = [...this.sessions.values(), ...this.pending];
    await Promise.all(all.map((state) => this.end(state, reason)));
  }
}
