import { InMemoryTransport } from '@modelcontextprotocol/server';
import type { Transport, JSONRPCMessage } from '@modelcontextprotocol/server';
import type { Config } from '../config/config-schema.js';
import { type Logger, silentLogger } from '#core';
import type { CreatedServer } from '#runtime/mcp';
import type { Sql } from '#stores/sql';
import {
  type ComposedServer,
  findMcpServer,
  MCP_SERVERS,
  type McpServerRegistry,
} from './mcp-server-registry.js';
import {
  type BuiltinUpstreamSpec,
  createUpstreamTransport,
  type TransportFactory,
  type UpstreamTransport,
} from '#bridge/fleet';

/** Composes the built-in server `server` with its positional `args` (see {@link McpServerRegistry}). */
export type ComposeBuiltin = (server: string, args: readonly string[]) => Promise<ComposedServer>;

/**
 * A client transport to one of Switchyard's own servers in this process. `start()` composes the
 * server from the registry, makes one instance and links it with the SDK's in-memory pair;
 * `close()` closes the pair, then runs the instance's cleanup and closes what the composition
 * opened. There is no process: `pid` and `exitStatus` stay undefined, and a restart by the
 * supervisor (a new transport) makes a new instance.
 */
export class BuiltinTransport implements UpstreamTransport {
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];
  onmessage?: Transport['onmessage'];
  readonly pid = undefined;
  readonly exitStatus = undefined;
  private inner: InMemoryTransport | undefined;
  private composed: ComposedServer | undefined;
  private created: CreatedServer | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    readonly spec: BuiltinUpstreamSpec,
    private readonly compose: ComposeBuiltin,
  ) {}

  start(): Promise<void> {
    if (this.starting)
      return Promise.reject(new Error(`built-in server '${this.spec.server}' was already started`));
    this.starting = this.open();
    return this.starting;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (!this.inner || this.closing)
      throw new Error(`built-in server '${this.spec.server}' is not connected`);
    await this.inner.send(message);
  }

  /** Idempotent; waits for a start under way, so a stop during startup leaves nothing open. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async open(): Promise<void> {
    try {
      this.composed = await this.compose(this.spec.server, this.spec.args);
      this.assertOpen();
      this.created = await this.composed.factory();
      this.assertOpen();
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      this.inner = clientSide;
      clientSide.onmessage = (message, extra) => this.onmessage?.(message, extra);
      clientSide.onerror = (error) => this.onerror?.(error);
      // The server closing its side (server.close()) ends this connection: the supervisor sees it.
      clientSide.onclose = () => {
        if (!this.closing) this.close().catch((error: unknown) => this.onerror?.(asError(error)));
      };
      await this.created.server.connect(serverSide);
      await clientSide.start();
    } catch (error) {
      await this.release();
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closing) throw new Error(`built-in server '${this.spec.server}' was closed while starting`);
  }

  private async shutDown(): Promise<void> {
    // Ordering: a start under way finishes (or fails and releases) first, so nothing it opens leaks.
    await this.starting?.catch(() => undefined);
    try {
      await this.release();
    } finally {
      this.onclose?.();
    }
  }

  /** Closes the pair, then the instance, then the composition; every step runs even if one fails. */
  private async release(): Promise<void> {
    const { inner, created, composed } = this;
    this.inner = undefined;
    this.created = undefined;
    this.composed = undefined;
    const steps: Array<() => Promise<void> | undefined> = [
      () => inner?.close(),
      () => created?.cleanup(),
      () => created?.server.close(),
      () => composed?.close(),
    ];
    const failures: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export interface BuiltinTransportOptions {
  /** The configuration the built-ins are composed from (vector backend, embeddings, github, filesystem). */
  config: Config;
  /**
   * The file `config` was loaded from: the filesystem built-in refuses a root that contains its
   * directory. @defaultValue null (no file)
   */
  configFile?: string | null;
  /**
   * The SQL store every built-in shares, opened (and migrated) once by the process role, which
   * also closes it after the fleet stopped. A built-in that needs it fails to start without it.
   */
  sql?: Sql;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** @defaultValue MCP_SERVERS */
  registry?: McpServerRegistry;
  /** What makes the transports of stdio and http upstreams. @defaultValue createUpstreamTransport */
  fallback?: TransportFactory;
}

/**
 * The fleet's transport factory with built-in servers in process: `builtin` specs get a
 * {@link BuiltinTransport} composed from the registry; the others go to `fallback`.
 */
export function createBuiltinTransportFactory(options: BuiltinTransportOptions): TransportFactory {
  const { config, configFile = null, sql, logger = silentLogger, registry = MCP_SERVERS } = options;
  const fallback = options.fallback ?? createUpstreamTransport;
  const compose: ComposeBuiltin = (server, args) =>
    findMcpServer(server, registry).create(config, { sql, logger, args, configFile });
  return (spec, context) =>
    spec.transport === 'builtin' ? new BuiltinTransport(spec, compose) : fallback(spec, context);
}
