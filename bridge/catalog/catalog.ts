import { EventEmitter } from 'node:events';
import type {
  CallToolResult,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/server';
import { type Logger, silentLogger, type Clock, systemClock, type TimerHandle } from '#core';
import type { Fleet, MembershipChange } from '../fleet/fleet.js';
import type { SupervisedUpstream } from '../fleet/supervised-upstream.js';
import { UpstreamUnavailableError } from '../fleet/upstream-errors.js';
import {
  acceptsCalls,
  type CircuitChange,
  type ListChanged,
  type StateChange,
} from '../fleet/upstream-events.js';
import {
  type Availability,
  type CatalogCallOptions,
  type CatalogChange,
  type CatalogCollision,
  type CatalogKind,
  type CatalogPrompt,
  type CatalogResource,
  type CatalogResourceTemplate,
  type CatalogTool,
  DEFAULT_SERVER_OPTIONS,
  type LocalToolProvider,
  type ServerCatalogOptions,
} from './catalog-entries.js';
import { hasScope } from '../access/caller.js';
import { CatalogNotFoundError, ToolForbiddenError } from './catalog-errors.js';
import type { CatalogReader } from './catalog-reader.js';
import { CatalogView } from './catalog-view.js';
import { type MergedCatalog, mergeCatalog, type SourceSnapshot } from './merge-catalog.js';
import type { NameFilter } from './tool-names.js';
import { fetchListing, type UpstreamListing } from './upstream-listing.js';

export interface CatalogOptions {
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Per-server naming and filtering, by server name. @defaultValue prefixed, no aliases, no filter */
  servers?: Record<string, Partial<ServerCatalogOptions>>;
  /** Drives the debounce of `changed`. @defaultValue systemClock */
  clock?: Clock;
  /** How long `changed` waits to gather further changes into one event. @defaultValue 20 */
  debounceMs?: number;
  /** Timeout of each list request to an upstream. @defaultValue the upstream's callTimeoutMs */
  listTimeoutMs?: number;
}

export interface CatalogEvents {
  /** The merged lists of these kinds changed (debounced): send `notifications/<kind>/list_changed`. */
  changed: [CatalogChange];
  /** A collision that was not there before; also logged at warn with its message. */
  collision: [CatalogCollision];
}

const ALL_KINDS: readonly CatalogKind[] = ['tools', 'resources', 'prompts'];

/** Per upstream: its cached lists, and a version per kind so a late answer cannot undo a newer one. */
interface ServerEntry {
  listing: UpstreamListing;
  versions: Record<CatalogKind, number>;
}

/**
 * One merged catalog over the fleet: tools, resources, resource templates and prompts of every
 * upstream (and Switchyard's own tools), named by the rules of tool-names.ts, and the routing of
 * calls back to their upstream.
 *
 * Lists are cached per upstream and fetched again when it becomes ready and when it sends
 * `list_changed`. Fail-open: an upstream that goes down keeps its entries, marked unavailable;
 * calling one fails with the fleet's error naming the server and its state. An upstream that
 * was never ready contributes nothing yet. Removing a server from the fleet drops its entries.
 */
export class Catalog extends EventEmitter<CatalogEvents> implements CatalogReader {
  private readonly fleet: Fleet;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly debounceMs: number;
  private readonly listTimeoutMs: number | undefined;
  private servers: Record<string, Partial<ServerCatalogOptions>>;
  private readonly entries = new Map<string, ServerEntry>();
  private readonly locals = new Map<LocalToolProvider, () => void>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly detach: Array<() => void> = [];
  private merged: MergedCatalog = mergeCatalog([]);
  private reported = new Set<string>();
  private pending = new Set<CatalogKind>();
  private flushTimer: TimerHandle | undefined;
  /** Per server: when its open circuit turns half-open, to list its entries as available again. */
  private readonly circuitTimers = new Map<string, TimerHandle>();
  private rebuilding = false;
  private rebuildAgain = false;
  private closed = false;

  constructor(fleet: Fleet, options: CatalogOptions = {}) {
    super();
    this.fleet = fleet;
    this.log = (options.logger ?? silentLogger).child({ component: 'catalog' });
    this.clock = options.clock ?? systemClock;
    this.debounceMs = options.debounceMs ?? 20;
    this.listTimeoutMs = options.listTimeoutMs;
    this.servers = options.servers ?? {};
    if (!(this.debounceMs >= 0)) throw new RangeError(`debounceMs must be >= 0, got ${options.debounceMs}`);

    this.listen('state', (change: StateChange) => this.onState(change));
    this.listen('list_changed', (change: ListChanged) => this.refresh(change.name, [change.kind]));
    this.listen('circuit', (change: CircuitChange) => this.onCircuit(change));
    this.listen('membership', (change: MembershipChange) => this.onMembership(change));
    for (const name of fleet.names()) {
      this.entry(name);
      if (acceptsCalls(fleet.require(name).state)) this.refresh(name, ALL_KINDS);
    }
    this.rebuild();
  }

  // ---- reading ----------------------------------------------------------------------------------

  listTools(): CatalogTool[] {
    return [...this.merged.tools.values()];
  }

  findTool(name: string): CatalogTool | undefined {
    return this.merged.tools.get(name);
  }

  listResources(): CatalogResource[] {
    return [...this.merged.resources.values()];
  }

  listResourceTemplates(): CatalogResourceTemplate[] {
    return this.merged.templates.map(({ matcher: _matcher, ...template }) => template);
  }

  listPrompts(): CatalogPrompt[] {
    return [...this.merged.prompts.values()];
  }

  findPrompt(name: string): CatalogPrompt | undefined {
    return this.merged.prompts.get(name);
  }

  /** Current collisions: each lists every claimant; the first is the one exposed. */
  collisions(): CatalogCollision[] {
    return [...this.merged.collisions];
  }

  /** A read-only view for one client: tools and prompts filtered by their exposed names. */
  view(filter: NameFilter): CatalogView {
    return new CatalogView(this, filter);
  }

  onChanged(listener: (change: CatalogChange) => void): () => void {
    this.on('changed', listener);
    return () => this.off('changed', listener);
  }

  /** Resolves once every list request under way has settled (startup, tests). */
  async whenIdle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.all([...this.inflight]);
  }

  // ---- routing ----------------------------------------------------------------------------------

  /**
   * Calls a tool by its exposed name; the upstream's result comes back unchanged (`isError`,
   * `structuredContent` and every content type). Rejects with CatalogNotFoundError for an unknown
   * name, with ToolForbiddenError when `options.caller` lacks the scope a local tool needs, and with the fleet's errors (UpstreamUnavailableError naming the server and its state,
   * CircuitOpenError, UpstreamTimeoutError, …) when the upstream cannot answer.
   */
  callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CatalogCallOptions = {},
  ): Promise<CallToolResult> {
    const tool = this.merged.tools.get(name);
    if (!tool) return Promise.reject(new CatalogNotFoundError('tool', name, this.merged.tools.keys()));
    if (tool.local) {
      const provider = [...this.locals.keys()].find((p) => p.name === tool.server);
      if (!provider) return Promise.reject(new CatalogNotFoundError('tool', name));
      // Security: checked here, once for every front (REST, /mcp, stdio, agents), before the tool runs.
      const scope = provider.scopeOf?.(tool.upstreamName) ?? 'call';
      if (!hasScope(options.caller, scope))
        return Promise.reject(new ToolForbiddenError(name, scope, options.caller));
      return provider.callTool(tool.upstreamName, args, options);
    }
    return this.upstreamOf(tool.server).then((upstream) =>
      upstream.callTool(tool.upstreamName, args, options),
    );
  }

  /** Reads a resource from the upstream that listed its URI, or whose template matches it. */
  async readResource(uri: string, options: CatalogCallOptions = {}): Promise<ReadResourceResult> {
    const upstream = await this.upstreamOf(this.resourceServer(uri));
    return upstream.readResource({ uri, ...meta(options) }, options);
  }

  async subscribeResource(uri: string, options: CatalogCallOptions = {}): Promise<void> {
    const upstream = await this.upstreamOf(this.resourceServer(uri, 'subscribe'));
    await upstream.subscribeResource({ uri }, options);
  }

  async unsubscribeResource(uri: string, options: CatalogCallOptions = {}): Promise<void> {
    const upstream = await this.upstreamOf(this.resourceServer(uri, 'subscribe'));
    await upstream.unsubscribeResource({ uri }, options);
  }

  /** Gets a prompt by its exposed name from its upstream. */
  async getPrompt(
    name: string,
    args: Record<string, string> = {},
    options: CatalogCallOptions = {},
  ): Promise<GetPromptResult> {
    const prompt = this.merged.prompts.get(name);
    if (!prompt) throw new CatalogNotFoundError('prompt', name, this.merged.prompts.keys());
    const upstream = await this.upstreamOf(prompt.server);
    return upstream.getPrompt({ name: prompt.upstreamName, arguments: args, ...meta(options) }, options);
  }

  /**
   * Routes `completion/complete`: a prompt reference by its exposed name (rewritten to the
   * upstream's), a resource reference by its template (or URI) to the server that listed it.
   */
  async complete(
    params: CompleteRequest['params'],
    options: CatalogCallOptions = {},
  ): Promise<CompleteResult> {
    const { ref } = params;
    if (ref.type === 'ref/prompt') {
      const prompt = this.merged.prompts.get(ref.name);
      if (!prompt) throw new CatalogNotFoundError('prompt', ref.name, this.merged.prompts.keys());
      const upstream = await this.upstreamOf(prompt.server);
      return upstream.complete({ ...params, ref: { ...ref, name: prompt.upstreamName } }, options);
    }
    const template = this.merged.templates.find((t) => t.uriTemplate === ref.uri);
    const upstream = await this.upstreamOf(template?.server ?? this.resourceServer(ref.uri));
    return upstream.complete(params, options);
  }

  // ---- extension and configuration ------------------------------------------------------------

  /**
   * Adds Switchyard's own tools (see {@link LocalToolProvider}); returns the function that removes
   * them. Local providers come before every upstream when names collide.
   */
  addLocalTools(provider: LocalToolProvider): () => void {
    if ([...this.locals.keys()].some((p) => p.name === provider.name))
      throw new RangeError(`a local tool provider named '${provider.name}' is already in the catalog`);
    const off = provider.onChanged?.(() => this.rebuild()) ?? (() => undefined);
    this.locals.set(provider, off);
    this.rebuild();
    return () => {
      this.locals.get(provider)?.();
      if (this.locals.delete(provider)) this.rebuild();
    };
  }

  /** Replaces the per-server options (a changed config file); names are recomputed at once. */
  setServerOptions(servers: Record<string, Partial<ServerCatalogOptions>>): void {
    this.servers = servers;
    this.rebuild();
  }

  /** Stops listening to the fleet; a pending `changed` is dropped. */
  close(): void {
    this.closed = true;
    for (const off of this.detach.splice(0)) off();
    for (const off of this.locals.values()) off();
    if (this.flushTimer !== undefined) this.clock.clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const timer of this.circuitTimers.values()) this.clock.clearTimeout(timer);
    this.circuitTimers.clear();
  }

  // ---- upstream events ----------------------------------------------------------------------------

  private listen<E extends 'state' | 'list_changed' | 'circuit' | 'membership'>(
    event: E,
    handler: (payload: never) => void,
  ): void {
    const listener = handler as (...args: unknown[]) => void;
    this.fleet.on(event, listener as never);
    this.detach.push(() => this.fleet.off(event, listener as never));
  }

  private onState(change: StateChange): void {
    this.entry(change.name);
    // Each time it comes (back) up its lists may differ: a restarted process is a new server.
    if (acceptsCalls(change.to) && !acceptsCalls(change.from)) this.refresh(change.name, ALL_KINDS);
    this.rebuild();
  }

  private onCircuit(change: CircuitChange): void {
    const timer = this.circuitTimers.get(change.name);
    if (timer !== undefined) this.clock.clearTimeout(timer);
    this.circuitTimers.delete(change.name);
    const upstream = this.fleet.get(change.name);
    // Nothing announces open → half-open (the breaker notices when asked), so ask when it is due:
    // reading the upstream's info in rebuild() moves the breaker and marks the tools available.
    if (change.to === 'open' && upstream && !this.closed) {
      const handle = this.clock.setTimeout(() => {
        this.circuitTimers.delete(change.name);
        this.rebuild();
      }, upstream.spec.circuitBreaker.resetTimeoutMs);
      this.circuitTimers.set(change.name, handle);
    }
    this.rebuild();
  }

  private onMembership(change: MembershipChange): void {
    if (change.change === 'removed') {
      this.entries.delete(change.name);
      this.rebuild();
    } else {
      // A replaced server keeps its old lists (marked by the new one's state) until it is ready.
      this.entry(change.name);
    }
  }

  private entry(name: string): ServerEntry {
    let entry = this.entries.get(name);
    if (!entry) {
      entry = { listing: {}, versions: { tools: 0, resources: 0, prompts: 0 } };
      this.entries.set(name, entry);
    }
    return entry;
  }

  private refresh(name: string, kinds: readonly CatalogKind[]): void {
    const upstream = this.fleet.get(name);
    if (!upstream || this.closed) return;
    const entry = this.entry(name);
    for (const kind of kinds) {
      const version = ++entry.versions[kind];
      const task: Promise<void> = fetchListing(upstream, kind, this.listTimeoutMs)
        .then((listing) => {
          if (this.closed || this.entries.get(name) !== entry || entry.versions[kind] !== version) return;
          Object.assign(entry.listing, listing);
          this.rebuild();
        })
        .catch((error: unknown) =>
          // Fail-open: the last lists stay; the next ready or list_changed fetches again.
          this.log.warn({ err: error, server: name, kind }, `could not list ${kind} of ${name}`),
        )
        .finally(() => this.inflight.delete(task));
      this.inflight.add(task);
    }
  }

  // ---- merging ----------------------------------------------------------------------------------

  /**
   * Merges again from the cached lists and each upstream's state. Re-entrant calls (reading an
   * upstream's info can move its circuit breaker, whose event lands here) run once more after.
   */
  private rebuild(): void {
    if (this.closed) return;
    if (this.rebuilding) {
      this.rebuildAgain = true;
      return;
    }
    this.rebuilding = true;
    try {
      do {
        this.rebuildAgain = false;
        this.merge();
      } while (this.rebuildAgain);
    } finally {
      this.rebuilding = false;
    }
  }

  private merge(): void {
    const previous = this.merged;
    this.merged = mergeCatalog([...this.localSources(), ...this.upstreamSources()]);
    for (const kind of changedKinds(previous, this.merged)) this.pending.add(kind);
    this.reportCollisions();
    if (this.pending.size > 0 && this.flushTimer === undefined)
      this.flushTimer = this.clock.setTimeout(() => this.flush(), this.debounceMs);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const kinds = ALL_KINDS.filter((kind) => this.pending.has(kind));
    this.pending.clear();
    if (kinds.length === 0 || this.closed) return;
    this.emit('changed', { kinds });
  }

  /** Logs (and emits) each collision, and each unparsable template, once while it lasts. */
  private reportCollisions(): void {
    const current = new Set<string>();
    for (const collision of this.merged.collisions) {
      const key = `${collision.kind}\0${collision.exposed}\0${collision.sources.map((s) => s.server).join('\0')}`;
      current.add(key);
      if (this.reported.has(key)) continue;
      this.log.warn(
        {
          event: 'catalog_collision',
          kind: collision.kind,
          exposed: collision.exposed,
          sources: collision.sources,
        },
        collision.message,
      );
      this.emit('collision', collision);
    }
    for (const template of this.merged.templates) {
      if (template.invalid === undefined) continue;
      const key = `invalid\0${template.server}\0${template.uriTemplate}`;
      current.add(key);
      if (!this.reported.has(key))
        this.log.warn(
          { event: 'catalog_invalid_template', server: template.server, uriTemplate: template.uriTemplate },
          `resource template '${template.uriTemplate}' of ${template.server} does not parse (${template.invalid}); no URI is routed by it`,
        );
    }
    // A problem resolved and later back is reported again.
    this.reported = current;
  }

  private localSources(): SourceSnapshot[] {
    return [...this.locals.keys()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((provider) => ({
        server: provider.name,
        local: true,
        options: DEFAULT_SERVER_OPTIONS,
        availability: { available: true, state: 'local' },
        tools: provider.listTools(),
        resources: [],
        templates: [],
        prompts: [],
      }));
  }

  private upstreamSources(): SourceSnapshot[] {
    return [...this.entries.keys()].sort().flatMap((name) => {
      const { listing } = this.entry(name);
      const upstream = this.fleet.get(name);
      if (!upstream) return [];
      return [
        {
          server: name,
          local: false,
          options: { ...DEFAULT_SERVER_OPTIONS, ...this.servers[name] },
          availability: availabilityOf(upstream),
          tools: listing.tools ?? [],
          resources: listing.resources ?? [],
          templates: listing.templates ?? [],
          prompts: listing.prompts ?? [],
        },
      ];
    });
  }

  // ---- routing helpers ----------------------------------------------------------------------------

  /**
   * The server a URI belongs to: an exact resource first, then the first matching template. A URI
   * that is neither listed nor matched (a server may serve URIs it does not list, and a client may
   * subscribe to a resource before it exists) goes to the one connected upstream that declares
   * `resources` (with `subscribe`, for `need: 'subscribe'`) when there is exactly one: then the
   * route cannot be wrong, and that server answers as it would directly. With several, the bridge
   * cannot tell which one is meant.
   */
  private resourceServer(uri: string, need: 'read' | 'subscribe' = 'read'): string {
    const resource = this.merged.resources.get(uri);
    if (resource) return resource.server;
    const template = this.merged.templates.find((t) => t.matcher?.match(uri));
    if (template) return template.server;
    const serving = this.fleet.names().filter((name) => {
      const resources = this.fleet.get(name)?.serverCapabilities?.resources;
      return need === 'subscribe' ? resources?.subscribe === true : resources !== undefined;
    });
    if (serving.length === 1) return serving[0]!;
    throw new CatalogNotFoundError('resource', uri, this.merged.resources.keys());
  }

  private async upstreamOf(server: string): Promise<SupervisedUpstream> {
    const upstream = this.fleet.get(server);
    if (!upstream) throw new UpstreamUnavailableError(server, 'stopped', 'no longer in the fleet');
    return upstream;
  }
}

function availabilityOf(upstream: SupervisedUpstream): Availability {
  const { state, circuit } = upstream.info();
  if (!acceptsCalls(state)) return { available: false, state, reason: `${upstream.name} is ${state}` };
  if (circuit === 'open')
    return { available: false, state, reason: `${upstream.name} is failing fast (circuit open)` };
  return { available: true, state };
}

function meta(options: CatalogCallOptions): { _meta?: Record<string, unknown> } {
  return options.meta ? { _meta: options.meta } : {};
}

function changedKinds(before: MergedCatalog, after: MergedCatalog): CatalogKind[] {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const kinds: CatalogKind[] = [];
  const tools = (m: MergedCatalog) => [...m.tools.values()].map((t) => [t.server, t.definition]);
  const prompts = (m: MergedCatalog) => [...m.prompts.values()].map((p) => [p.server, p.definition]);
  const resources = (m: MergedCatalog) => [
    [...m.resources.values()].map((r) => [r.server, r.definition]),
    m.templates.map((t) => [t.server, t.definition]),
  ];
  if (!same(tools(before), tools(after))) kinds.push('tools');
  if (!same(resources(before), resources(after))) kinds.push('resources');
  if (!same(prompts(before), prompts(after))) kinds.push('prompts');
  return kinds;
}
