import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/client';
import type {
  Client,
  ClientCapabilities,
  CreateMessageRequest,
  ElicitRequest,
  LoggingLevel,
  RequestOptions,
} from '@modelcontextprotocol/client';
import type { CatalogReader } from '../catalog/catalog-reader.js';
import type { SupervisedUpstream } from '../fleet/supervised-upstream.js';
import { acceptsCalls } from '../fleet/upstream-events.js';
import { type Logger, silentLogger } from '#core';
import { type FrontSession, type InflightCall, levelAdmits, mostVerbose } from './front-session.js';

export interface FrontHubOptions {
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Declare `sampling` to upstreams and relay their requests to clients. @defaultValue true */
  relaySampling?: boolean;
  /** Declare `elicitation` (form mode) to upstreams and relay their requests. @defaultValue true */
  relayElicitation?: boolean;
  /** Timeout of a relayed sampling or elicitation request (a person may answer it). @defaultValue 10 minutes */
  relayTimeoutMs?: number;
}

/**
 * What every front session shares: the sessions themselves, the calls under way per upstream, the
 * resource subscriptions and the logging levels. It is also the fleet's `configureClient`: the
 * fleet has one SDK client per upstream for all sessions, so what an upstream sends (sampling,
 * elicitation, log messages, resource updates) arrives here and is routed to sessions.
 *
 * Routing rule for sampling and elicitation: the request goes to the session with a `tools/call`
 * in flight to that upstream; when several sessions have one, to the session whose call started
 * most recently (stdio and our HTTP client do not say which call an upstream request belongs
 * to, and the newest call is the likeliest to be waiting for it). With no call in flight the
 * request is refused with an error naming the upstream.
 *
 * Security: the guess never crosses principals. When calls of more than one principal (API key)
 * are in flight to the upstream, the request is refused: a sampling prompt or an elicitation
 * must never reach a person or model of another key, and the answer must never be another
 * key's to give.
 */
export class FrontHub {
  readonly clientCapabilities: ClientCapabilities;
  private readonly log: Logger;
  private readonly relayTimeoutMs: number;
  private readonly sessions = new Set<FrontSession>();
  private readonly inflight: InflightCall[] = [];
  /** URI → sessions subscribed to it; the upstream is subscribed while the set is not empty. */
  private readonly subscribers = new Map<string, Set<FrontSession>>();
  private readonly upstreams = new Map<string, SupervisedUpstream>();
  private readonly hooked = new WeakSet<SupervisedUpstream>();
  private nextId = 1;

  constructor(options: FrontHubOptions = {}) {
    this.log = (options.logger ?? silentLogger).child({ component: 'front' });
    this.relayTimeoutMs = options.relayTimeoutMs ?? 10 * 60_000;
    this.clientCapabilities = {
      ...(options.relaySampling !== false ? { sampling: {} } : {}),
      ...(options.relayElicitation !== false ? { elicitation: { form: {} } } : {}),
    };
  }

  /** The fleet's `configureClient`: registers the relays on each new upstream client. */
  readonly configureClient = (client: Client, upstream: SupervisedUpstream): void => {
    const name = upstream.name;
    this.upstreams.set(name, upstream);
    if (this.clientCapabilities.sampling)
      client.setRequestHandler('sampling/createMessage', (request, ctx) =>
        this.relaySampling(name, request, ctx.mcpReq.signal),
      );
    if (this.clientCapabilities.elicitation)
      client.setRequestHandler('elicitation/create', (request, ctx) =>
        this.relayElicitation(name, request, ctx.mcpReq.signal),
      );
    client.setNotificationHandler('notifications/message', (notification) =>
      this.relayLog(name, notification.params),
    );
    client.setNotificationHandler('notifications/resources/updated', (notification) =>
      this.relayUpdated(notification.params.uri),
    );
    if (!this.hooked.has(upstream)) {
      this.hooked.add(upstream);
      // A (re)started upstream is a new server: it gets the clients' logging level again.
      upstream.on('state', (change) => {
        if (acceptsCalls(change.to) && !acceptsCalls(change.from)) this.applyLevel(upstream);
      });
    }
  };

  // ---- sessions -----------------------------------------------------------------------------

  open(server: FrontSession['server']): FrontSession {
    const session: FrontSession = {
      id: this.nextId++,
      server,
      logLevel: undefined,
      subscriptions: new Set(),
    };
    this.sessions.add(session);
    return session;
  }

  /** Forgets a session: its calls, and its subscriptions (unsubscribing upstream where it was the last). */
  async close(session: FrontSession, catalog: CatalogReader): Promise<void> {
    if (!this.sessions.delete(session)) return;
    for (let i = this.inflight.length - 1; i >= 0; i--)
      if (this.inflight[i]!.session === session) this.inflight.splice(i, 1);
    await Promise.all([...session.subscriptions].map((uri) => this.unsubscribe(session, uri, catalog)));
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Records a call under way; returns the function that ends it. */
  beginCall(call: InflightCall): () => void {
    this.inflight.push(call);
    return () => {
      const index = this.inflight.indexOf(call);
      if (index >= 0) this.inflight.splice(index, 1);
    };
  }

  /**
   * Sends `notifications/<kind>/list_changed` to every session when the catalog's lists change;
   * one listener for all sessions. Returns the function that stops it.
   */
  watch(catalog: CatalogReader): () => void {
    return catalog.onChanged(({ kinds }) => {
      for (const session of this.sessions) {
        const { server } = session;
        const send = {
          tools: () => server.sendToolListChanged(),
          resources: () => server.sendResourceListChanged(),
          prompts: () => server.sendPromptListChanged(),
        };
        for (const kind of kinds)
          send[kind]().catch((error: unknown) =>
            this.log.debug({ err: error, kind, session: session.id }, 'list_changed not sent'),
          );
      }
    });
  }

  // ---- logging ------------------------------------------------------------------------------

  /** A session's `logging/setLevel`: upstreams get the most verbose level any session asked for. */
  setLevel(session: FrontSession, level: LoggingLevel): void {
    session.logLevel = level;
    for (const upstream of this.upstreams.values()) this.applyLevel(upstream);
  }

  private applyLevel(upstream: SupervisedUpstream): void {
    const level = mostVerbose([...this.sessions].map((s) => s.logLevel));
    if (level === undefined || !upstream.serverCapabilities?.logging) return;
    upstream
      .setLoggingLevel(level)
      .catch((error: unknown) =>
        this.log.debug({ err: error, server: upstream.name }, 'could not set the logging level upstream'),
      );
  }

  private relayLog(server: string, params: { level: LoggingLevel; logger?: string; data?: unknown }): void {
    const logger = params.logger ? `${server}/${params.logger}` : server;
    for (const session of this.sessions) {
      if (!levelAdmits(session.logLevel, params.level)) continue;
      session.server
        .notification({ method: 'notifications/message', params: { ...params, logger } })
        .catch((error: unknown) => this.log.debug({ err: error, session: session.id }, 'log relay failed'));
    }
  }

  // ---- resources ----------------------------------------------------------------------------

  async subscribe(session: FrontSession, uri: string, catalog: CatalogReader): Promise<void> {
    let set = this.subscribers.get(uri);
    const first = !set || set.size === 0;
    if (!set) this.subscribers.set(uri, (set = new Set()));
    set.add(session);
    session.subscriptions.add(uri);
    if (!first) return;
    try {
      await catalog.subscribeResource(uri);
    } catch (error) {
      set.delete(session);
      session.subscriptions.delete(uri);
      throw error;
    }
  }

  async unsubscribe(session: FrontSession, uri: string, catalog: CatalogReader): Promise<void> {
    session.subscriptions.delete(uri);
    const set = this.subscribers.get(uri);
    if (!set?.delete(session) || set.size > 0) return;
    this.subscribers.delete(uri);
    await catalog
      .unsubscribeResource(uri)
      .catch((error: unknown) => this.log.debug({ err: error, uri }, 'could not unsubscribe upstream'));
  }

  private relayUpdated(uri: string): void {
    for (const session of this.subscribers.get(uri) ?? []) {
      session.server
        .sendResourceUpdated({ uri })
        .catch((error: unknown) =>
          this.log.debug({ err: error, session: session.id }, 'resource update relay failed'),
        );
    }
  }

  // ---- sampling and elicitation ---------------------------------------------------------------

  /** The call an upstream's request belongs to, by the rule in the class comment. */
  private callFor(server: string): InflightCall | 'ambiguous' | undefined {
    let newest: InflightCall | undefined;
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const call = this.inflight[i]!;
      if (call.server !== server) continue;
      if (!newest) newest = call;
      else if (call.owner !== newest.owner) return 'ambiguous';
    }
    return newest;
  }

  /** Relays an upstream's `sampling/createMessage` to the client whose call caused it. */
  private async relaySampling(server: string, request: CreateMessageRequest, signal: AbortSignal) {
    const { session, options } = this.relayTarget(server, 'sampling', request.method, signal);
    return session.server.request({ method: 'sampling/createMessage', params: request.params }, options);
  }

  /** Relays an upstream's `elicitation/create` to the client whose call caused it. */
  private async relayElicitation(server: string, request: ElicitRequest, signal: AbortSignal) {
    const { session, options } = this.relayTarget(server, 'elicitation', request.method, signal);
    return session.server.request({ method: 'elicitation/create', params: request.params }, options);
  }

  /** The session a relayed request goes to and the options that tie it to the call it belongs to. */
  private relayTarget(
    server: string,
    kind: 'sampling' | 'elicitation',
    method: string,
    signal: AbortSignal,
  ): { session: FrontSession; options: RequestOptions } {
    const call = this.callFor(server);
    if (!call)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `switchyard: ${server} sent ${method} with no client call in flight to relay it to`,
      );
    if (call === 'ambiguous')
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `switchyard: ${server} sent ${method} while clients of several API keys have calls in ` +
          'flight to it; it is not relayed, since it could reach the wrong one',
      );
    const capabilities = call.session.server.getClientCapabilities();
    if (!capabilities?.[kind])
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `switchyard: the client that called ${server} does not support ${kind} (${method})`,
      );
    this.log.debug({ server, session: call.session.id, method }, 'relaying to client');
    return {
      session: call.session,
      options: {
        signal,
        timeout: this.relayTimeoutMs,
        // Over Streamable HTTP this sends the request on the stream of the call it belongs to.
        relatedRequestId: call.requestId,
      },
    };
  }
}
