import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Transport } from '@modelcontextprotocol/client';
import { UnsupportedError } from '#core';
import { type ExitStatus, ProcessGroupTransport } from './process-group-transport.js';
import type { UpstreamSpec } from './upstream-spec.js';

/** A client transport to one upstream, with what a supervisor wants to know about its process. */
export interface UpstreamTransport extends Transport {
  /** The child's pid (and process group id), for stdio. */
  readonly pid?: number | undefined;
  /** How the child ended, once it did (stdio). */
  readonly exitStatus?: ExitStatus | undefined;
}

export interface TransportContext {
  /** Each line the upstream writes to stderr (stdio). */
  onStderrLine(line: string): void;
}

/** Makes the transport of one connection attempt; injected so tests can use in-memory pairs. */
export type TransportFactory = (spec: UpstreamSpec, context: TransportContext) => UpstreamTransport;

/**
 * Stdio upstreams run in their own process group; http ones use the SDK's Streamable HTTP client.
 * Built-in ones are refused here: {@link createBuiltinTransportFactory} wraps this factory.
 */
export const createUpstreamTransport: TransportFactory = (spec, context) => {
  if (spec.transport === 'stdio') {
    return new ProcessGroupTransport({
      command: spec.command,
      args: spec.args,
      env: spec.env,
      cwd: spec.cwd,
      killGraceMs: spec.killGraceMs,
      onStderrLine: (line) => context.onStderrLine(line),
    });
  }
  if (spec.transport === 'http')
    return new StreamableHTTPClientTransport(new URL(spec.url), { requestInit: { headers: spec.headers } });
  // Built-ins need the registry, the configuration and the shared SQL store: see builtin-transport.ts.
  throw new UnsupportedError(
    `upstream '${spec.name}' is the built-in server '${spec.server}': the fleet needs a transport ` +
      'factory from createBuiltinTransportFactory() to run it',
    { name: spec.name, server: spec.server },
  );
};

export function describeExit(exit: ExitStatus): string {
  return exit.signal !== null ? `signal ${exit.signal}` : `code ${exit.code}`;
}
