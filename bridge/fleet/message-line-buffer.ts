import {
  deserializeMessage,
  type JSONRPCMessage,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
} from '@modelcontextprotocol/client';

/**
 * Frames a stdio server's stdout into JSON-RPC messages, one per line. Unlike the SDK's
 * `ReadBuffer`, which skips a line that is not JSON without a word, this one throws for every bad
 * line (after moving past it), so the fleet can log a server that prints to stdout: that output
 * is otherwise lost, and it usually explains why the server misbehaves.
 */
export class MessageLineBuffer {
  private buffer: Buffer | undefined;

  /** @param maxBufferSize bytes held while waiting for a newline; @defaultValue the SDK's stdio limit */
  constructor(private readonly maxBufferSize = STDIO_DEFAULT_MAX_BUFFER_SIZE) {}

  /** Adds a chunk; throws (and drops what was held) when the pending bytes pass `maxBufferSize`. */
  append(chunk: Buffer): void {
    if ((this.buffer?.length ?? 0) + chunk.length > this.maxBufferSize) {
      this.clear();
      throw new Error(`stdout buffer exceeded its maximum size of ${this.maxBufferSize} bytes`);
    }
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
  }

  /** The next whole message, null when no whole line is buffered; throws for a line that is not one. */
  readMessage(): JSONRPCMessage | null {
    if (!this.buffer) return null;
    const newline = this.buffer.indexOf('\n');
    if (newline === -1) return null;
    const line = this.buffer.toString('utf8', 0, newline).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(newline + 1);
    return deserializeMessage(line);
  }

  clear(): void {
    this.buffer = undefined;
  }
}
