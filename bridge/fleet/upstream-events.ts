import type { CircuitState } from './circuit-breaker.js';

/**
 * - `starting`: the first connection attempt is under way.
 * - `ready`: connected and answering; calls go through.
 * - `degraded`: connected, but the last health ping failed; calls still go through (the circuit
 *   breaker guards them) while the health check decides.
 * - `restarting`: the process exited, the health check gave up or the HTTP session was lost;
 *   waiting out the backoff delay or connecting again.
 * - `crash-loop`: too many restarts within the window; no more attempts until `restart()`.
 * - `stopped`: not started, stopped, or ended under restart policy `never` / `on-failure`.
 */
export const UPSTREAM_STATES = [
  'starting',
  'ready',
  'degraded',
  'restarting',
  'crash-loop',
  'stopped',
] as const;
export type UpstreamState = (typeof UPSTREAM_STATES)[number];

/** States in which calls are sent upstream. */
export function acceptsCalls(state: UpstreamState): boolean {
  return state === 'ready' || state === 'degraded';
}

export interface StateChange {
  name: string;
  from: UpstreamState;
  to: UpstreamState;
  /** Why, in words (e.g. `process exited (signal SIGKILL)`). */
  reason: string;
  /** Epoch ms, from the injected clock. */
  at: number;
  /** With `to: 'restarting'`: how long until the next attempt. */
  retryInMs?: number;
}

export interface ListChanged {
  name: string;
  /** Which list the upstream says changed (notifications/{kind}/list_changed). */
  kind: 'tools' | 'resources' | 'prompts';
  at: number;
}

export interface CircuitChange {
  name: string;
  from: CircuitState;
  to: CircuitState;
  /** Consecutive failures counted when it changed. */
  failures: number;
  at: number;
}

/** The events of a SupervisedUpstream; a Fleet re-emits them unchanged. */
export interface UpstreamEvents {
  state: [StateChange];
  list_changed: [ListChanged];
  circuit: [CircuitChange];
}

/** One row of `Fleet.list()` (and of `GET /v1/servers`). */
export interface UpstreamInfo {
  name: string;
  transport: 'stdio' | 'http' | 'builtin';
  state: UpstreamState;
  /** Why it is in that state. */
  reason: string;
  /** When it entered that state (epoch ms). */
  since: number;
  /** Restart attempts since it was created (explicit restarts included). */
  restarts: number;
  /** The last failure, in words; undefined if it never failed. */
  lastError: string | undefined;
  /** The child's pid (also its process group id); undefined for http, builtin or when no child runs. */
  pid: number | undefined;
  circuit: CircuitState;
}
