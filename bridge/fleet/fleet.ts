import { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import pLimit from 'p-limit';
import { ConflictError, NotFoundError, type Logger, silentLogger, type Clock, systemClock } from '#core';
import { SupervisedUpstream, type SupervisedUpstreamOptions } from './supervised-upstream.js';
import type { UpstreamEvents, UpstreamInfo } from './upstream-events.js';
import { parseUpstreamSpec, type UpstreamSpec, type UpstreamSpecInput } from './upstream-spec.js';

export interface FleetOptions extends Omit<SupervisedUpstreamOptions, 'logger' | 'clock'> {
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue systemClock */
  clock?: Clock;
  /** How many upstreams stop() ends at once. @defaultValue 16 */
  stopConcurrency?: number;
  /**
   * SIGKILL every child process group if this process exits without stop() (an uncaught error,
   * process.exit()): the last line against orphans. Removed by stop(). @defaultValue true
   */
  killOnExit?: boolean;
}

/** A server added to, removed from or replaced in the fleet: the catalog rebuilds on it. */
export interface MembershipChange {
  name: string;
  change: 'added' | 'removed' | 'replaced';
  at: number;
}

export interface FleetEvents extends UpstreamEvents {
  membership: [MembershipChange];
}

/**
 * The named upstreams of the bridge, each supervised on its own. Fail-open: an upstream that
 * fails (crash loop, timeouts, an open circuit) changes nothing for the others; its own calls fail
 * with an error naming it and its state. Events of every upstream are re-emitted here unchanged
 * (each carries its `name`), plus `membership` when the set changes.
 *
 * Changes to one name are serialized (add, remove and replace of `crm` run one after the other);
 * different names do not wait for each other.
 */
export class Fleet extends EventEmitter<FleetEvents> {
  private readonly upstreams = new Map<string, SupervisedUpstream>();
  private readonly detach = new Map<SupervisedUpstream, () => void>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly stopConcurrency: number;
  private readonly onExit = () => this.killNow();
  private exitHooked = false;

  constructor(private readonly options: FleetOptions = {}) {
    super();
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? systemClock;
    this.stopConcurrency = options.stopConcurrency ?? 16;
    if (!Number.isInteger(this.stopConcurrency) || this.stopConcurrency < 1)
      throw new RangeError(`stopConcurrency must be a positive integer, got ${options.stopConcurrency}`);
  }

  /**
   * Adds an upstream and starts it; resolves once it is added (not once it is ready: see
   * {@link SupervisedUpstream.waitUntilReady}). Rejects with ConflictError if the name is taken,
   * ValidationError if the spec is invalid.
   */
  async add(input: UpstreamSpecInput | UpstreamSpec): Promise<SupervisedUpstream> {
    const spec = parseUpstreamSpec(input);
    return this.serial(spec.name, async () => {
      if (this.upstreams.has(spec.name))
        throw new ConflictError(`upstream '${spec.name}' is already in the fleet`, { name: spec.name });
      const upstream = this.launch(spec);
      this.announce(spec.name, 'added');
      return upstream;
    });
  }

  /** Stops an upstream and removes it. Rejects with NotFoundError for an unknown name. */
  remove(name: string): Promise<void> {
    return this.serial(name, async () => {
      const upstream = this.require(name);
      this.upstreams.delete(name);
      await upstream.stop('removed from the fleet');
      this.detach.get(upstream)?.();
      this.announce(name, 'removed');
    });
  }

  /**
   * Puts `input` in place of the upstream of the same name, restarting only that one; adds it if
   * the name is new. A spec equal to the current one changes nothing (a config file saved
   * without changes restarts nothing). Resolves with the upstream now under that name.
   */
  async replace(input: UpstreamSpecInput | UpstreamSpec): Promise<SupervisedUpstream> {
    const spec = parseUpstreamSpec(input);
    return this.serial(spec.name, async () => {
      const current = this.upstreams.get(spec.name);
      if (current && isDeepStrictEqual(current.spec, spec)) return current;
      if (current) {
        await current.stop('replaced by a new configuration');
        this.detach.get(current)?.();
      }
      const upstream = this.launch(spec);
      this.announce(spec.name, current ? 'replaced' : 'added');
      return upstream;
    });
  }

  get(name: string): SupervisedUpstream | undefined {
    return this.upstreams.get(name);
  }

  /** The upstream named `name`; NotFoundError if there is none. */
  require(name: string): SupervisedUpstream {
    const upstream = this.upstreams.get(name);
    if (!upstream) throw new NotFoundError('upstream', name);
    return upstream;
  }

  names(): string[] {
    return [...this.upstreams.keys()].sort();
  }

  /** One row per upstream, sorted by name. */
  list(): UpstreamInfo[] {
    return this.names().map((name) => this.require(name).info());
  }

  /**
   * Stops every upstream, `stopConcurrency` at a time; each stop is bounded by its kill grace
   * (SIGTERM, then SIGKILL). One that fails to stop is logged and does not hold up the others.
   * The upstreams stay listed (state `stopped`).
   */
  async stop(): Promise<void> {
    // Adds and replaces under way finish first, so none of them starts an upstream after this.
    await Promise.all(this.queues.values());
    const limit = pLimit(this.stopConcurrency);
    const upstreams = [...this.upstreams.values()];
    const results = await Promise.allSettled(
      upstreams.map((upstream) => limit(() => upstream.stop('fleet stopping'))),
    );
    results.forEach((result, index) => {
      if (result.status === 'rejected')
        this.log.error(
          { err: result.reason, server: upstreams[index]?.name },
          'upstream did not stop cleanly',
        );
    });
    if (this.exitHooked) process.off('exit', this.onExit);
    this.exitHooked = false;
  }

  /** SIGKILLs every child process group now, synchronously (see `killOnExit`). */
  killNow(): void {
    for (const upstream of this.upstreams.values()) {
      try {
        upstream.killNow();
      } catch (error) {
        this.log.error({ err: error, server: upstream.name }, 'could not kill the process group');
      }
    }
  }

  private launch(spec: UpstreamSpec): SupervisedUpstream {
    const { stopConcurrency: _concurrency, killOnExit = true, ...upstreamOptions } = this.options;
    const upstream = new SupervisedUpstream(spec, {
      ...upstreamOptions,
      logger: this.log,
      clock: this.clock,
    });
    this.upstreams.set(spec.name, upstream);
    this.forward(upstream);
    if (killOnExit && !this.exitHooked && spec.transport === 'stdio') {
      process.on('exit', this.onExit);
      this.exitHooked = true;
    }
    upstream
      .start()
      .catch((error: unknown) =>
        this.log.error({ err: error, server: spec.name }, 'upstream start failed unexpectedly'),
      );
    return upstream;
  }

  /** Re-emits an upstream's events; the function that undoes it is kept for when it leaves. */
  private forward(upstream: SupervisedUpstream): void {
    const events = ['state', 'list_changed', 'circuit'] as const;
    const relays = events.map((event) => {
      const relay = (payload: unknown) => this.publish(event, payload);
      upstream.on(event, relay);
      return () => upstream.off(event, relay);
    });
    this.detach.set(upstream, () => {
      for (const off of relays) off();
      this.detach.delete(upstream);
    });
  }

  private announce(name: string, change: MembershipChange['change']): void {
    this.log.info({ event: 'fleet_membership', server: name, change }, `upstream ${name} ${change}`);
    this.publish('membership', { name, change, at: this.clock.now() });
  }

  /** Emits to each listener; one that throws is logged and does not reach the upstream. */
  private publish(event: keyof FleetEvents, payload: unknown): void {
    for (const listener of this.rawListeners(event) as unknown as Array<(value: unknown) => void>) {
      try {
        listener(payload);
      } catch (error) {
        this.log.error({ err: error, event }, 'a fleet event listener threw');
      }
    }
  }

  /** Runs `op` after every earlier operation on the same name has settled. */
  private serial<T>(name: string, op: () => Promise<T>): Promise<T> {
    // The tail never rejects: a failed operation is its caller's to handle, not the next one's.
    const next = (this.queues.get(name) ?? Promise.resolve()).then(op);
    const tail: Promise<void> = next
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        if (this.queues.get(name) === tail) this.queues.delete(name);
      });
    this.queues.set(name, tail);
    return next;
  }
}
