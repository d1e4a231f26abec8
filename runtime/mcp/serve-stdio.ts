import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import type { Logger } from '#core';
import { protocolServer, type ServedInstance, type ServerFactory } from './created-server.js';
import { limitLines, MAX_STDIO_LINE_BYTES, requestIdOf } from './line-limit.js';

export interface ServeStdioOptions {
  logger: Logger;
  /** Where JSON-RPC arrives. @defaultValue process.stdin */
  stdin?: Readable;
  /** Where JSON-RPC goes; nothing else may be written to it. @defaultValue process.stdout */
  stdout?: Writable;
  /** Close on SIGTERM and SIGINT. Off for in-process tests. @defaultValue true */
  handleSignals?: boolean;
  /** Longer stdin lines are dropped (a request among them answered with an error). @defaultValue 8 MiB */
  maxLineBytes?: number;
}

export interface StdioHandle {
  /** Closes the server and runs its cleanup; safe to call more than once. */
  close(): Promise<void>;
  /** Settles once the server is closed and cleaned up, whatever closed it. */
  readonly closed: Promise<void>;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Serves one server instance over stdio. The server closes when the client ends stdin (the
 * SDK's StdioClientTransport closes by ending stdin, then signals), on SIGTERM / SIGINT, or when
 * {@link StdioHandle.close} is called; each path runs the instance's cleanup exactly once.
 */
export async function serveStdio(
  factory: ServerFactory<ServedInstance>,
  options: ServeStdioOptions,
): Promise<StdioHandle> {
  const { logger, stdin = process.stdin, stdout = process.stdout, handleSignals = true } = options;
  const { server, cleanup } = await factory();
  // An over-long line is dropped here, not fed to the SDK, whose transport would close itself
  // (and so this server) when one outgrows its buffer; a request among them is answered.
  const lines = stdin.pipe(
    limitLines(options.maxLineBytes ?? MAX_STDIO_LINE_BYTES, (dropped) => {
      const id = requestIdOf(dropped.head);
      logger.warn({ bytes: dropped.bytes, id }, 'a stdin line past the limit was dropped');
      if (id === undefined) return;
      const message = `Request too large: ${dropped.bytes} bytes; a line may hold at most ${options.maxLineBytes ?? MAX_STDIO_LINE_BYTES}`;
      stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32600, message } })}\n`);
    }),
  );
  const transport = new StdioServerTransport(lines, stdout);

  let closing: Promise<void> | null = null;
  let settle: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => {
    settle = resolve;
  });

  const onEnd = () => void close('stdin ended');
  const onSignal = (signal: NodeJS.Signals) => void close(signal);

  function close(reason: string): Promise<void> {
    // Deferred by a microtask so `closing` is set before server.close() calls back into close()
    // through the transport's onclose; otherwise the cleanup would run twice.
    closing ??= Promise.resolve()
      .then(async () => {
        stdin.off('end', onEnd);
        if (handleSignals) for (const signal of SIGNALS) process.off(signal, onSignal);
        logger.info({ reason }, 'mcp stdio server closing');
        try {
          // server.close() closes the transport, which stops reading the lines; stdin itself is
          // unpiped and paused here, so nothing holds the process open.
          await server.close();
        } finally {
          stdin.unpipe(lines);
          stdin.pause();
          await cleanup();
          settle();
        }
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'mcp stdio server did not close cleanly');
        settle();
      });
    return closing;
  }

  transport.onerror = (error) => logger.warn({ err: error }, 'mcp stdio transport error');
  stdin.once('end', onEnd);
  if (handleSignals) for (const signal of SIGNALS) process.once(signal, onSignal);
  // A transport closed from the server side (or by a protocol failure) ends the session too.
  protocolServer(server).onclose = () => void close('transport closed');
  await server.connect(transport);
  logger.info('mcp stdio server ready');
  return { close: () => close('closed by caller'), closed };
}
