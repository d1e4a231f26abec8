import { type ChildProcess, spawn } from 'node:child_process';
import { serializeMessage } from '@modelcontextprotocol/client';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { LineSplitter } from './line-splitter.js';
import { MessageLineBuffer } from './message-line-buffer.js';
import { signalGroup, terminateGroup } from './process-group.js';

/** How a child process ended. */
export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessGroupTransportOptions {
  command: string;
  /** @defaultValue [] */
  args?: string[];
  /** Added to the SDK's minimal inherited environment. @defaultValue {} */
  env?: Record<string, string>;
  /** @defaultValue the parent's working directory */
  cwd?: string;
  /** Each line the child writes to stderr. @defaultValue lines are dropped */
  onStderrLine?: (line: string) => void;
  /**
   * How long {@link ProcessGroupTransport.close} waits after ending stdin before SIGTERM to the
   * group, and after SIGTERM before SIGKILL; also the grace of the members left when the leader
   * exits. @defaultValue 2000
   */
  killGraceMs?: number;
  /** Largest message accepted on stdout. @defaultValue the SDK's (10 MiB) */
  maxBufferSize?: number;
}

/**
 * The client side of the MCP stdio transport, like the SDK's StdioClientTransport, with one
 * difference that matters to a supervisor: the child leads its own process group
 * (`detached: true`), and whenever the child ends (closed by us, crashed, killed) every other
 * member of that group is ended too. A server started as `sh -c 'helper & exec server'` leaves no
 * orphan behind.
 *
 * `onclose` fires once, after the child exited and its group is empty, so a restart never
 * overlaps the previous instance's processes.
 */
export class ProcessGroupTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private child: ChildProcess | undefined;
  private readonly readBuffer: MessageLineBuffer;
  private readonly graceMs: number;
  private _exitStatus: ExitStatus | undefined;
  private closing: Promise<void> | undefined;
  private closedOnce = false;
  private markExited: () => void = () => undefined;
  private readonly exited = new Promise<void>((resolve) => (this.markExited = resolve));
  private markFinished: () => void = () => undefined;
  /** Settles once the child exited, its group is empty and onclose has fired. */
  private readonly finished = new Promise<void>((resolve) => (this.markFinished = resolve));

  constructor(private readonly options: ProcessGroupTransportOptions) {
    this.readBuffer = new MessageLineBuffer(options.maxBufferSize);
    this.graceMs = options.killGraceMs ?? 2_000;
    if (!(this.graceMs >= 0)) throw new RangeError(`killGraceMs must be >= 0, got ${this.graceMs}`);
  }

  /** The child's pid, which is also its process group id; undefined before start. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the child ended; undefined while it runs. */
  get exitStatus(): ExitStatus | undefined {
    return this._exitStatus;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('ProcessGroupTransport already started');
    const { command, args = [], env = {}, cwd } = this.options;
    return new Promise((resolve, reject) => {
      const child = spawn(command, args, {
        env: { ...getDefaultEnvironment(), ...env },
        cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        // Leader of a new process group: the group id is the child's pid.
        detached: true,
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      const stderrLines = new LineSplitter((line) => this.options.onStderrLine?.(line));
      // The same stream events fire for every outcome; 'exit' is the one that always comes (except
      // when spawning failed), even when a grandchild still holds our stdout or stderr pipe open.
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        // A spawn failure (ENOENT, EACCES): no 'exit' follows, so finish here.
        reject(error);
        this.onerror?.(error);
        if (child.pid === undefined) this.finish();
      });
      child.once('exit', (code, signal) => {
        this._exitStatus = { code, signal };
        this.markExited();
        this.reapGroup(child, stderrLines)
          .catch((error: unknown) => this.onerror?.(asError(error)))
          .finally(() => this.finish());
      });
      child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderrLines.push(chunk));
      for (const stream of [child.stdin, child.stdout, child.stderr]) {
        // EPIPE after the child died and the like: reported, never thrown at the process.
        stream?.on('error', (error) => this.onerror?.(error));
      }
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || !stdin.writable || this._exitStatus) return Promise.reject(new Error('Not connected'));
    // The callback runs once the chunk is handed to the pipe (or failed): backpressure included.
    return new Promise((resolve, reject) => {
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Ends the child as politely as it allows: stdin is ended (a stdio MCP server exits on that),
   * then SIGTERM to the group after the grace period, then SIGKILL. Resolves once the child and
   * every member of its group are gone. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const child = this.child;
      if (!child || child.pid === undefined) return this.finish();
      if (this._exitStatus === undefined) {
        child.stdin?.end();
        if (!(await settlesWithin(this.exited, this.graceMs))) {
          signalGroup(child.pid, 'SIGTERM');
          if (!(await settlesWithin(this.exited, this.graceMs))) signalGroup(child.pid, 'SIGKILL');
        }
      }
      // The 'exit' handler ends the rest of the group, then calls onclose.
      await this.finished;
    })();
    return this.closing;
  }

  private receive(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      // Past maxBufferSize: the stream cannot be trusted any more.
      this.onerror?.(asError(error));
      this.close().catch((closeError: unknown) => this.onerror?.(asError(closeError)));
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server printing to stdout): the buffer moved past it.
        this.onerror?.(new Error(`not a JSON-RPC message on stdout: ${asError(error).message}`));
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  /** After the leader exited: ends the members it left behind, then lets the pipes drain. */
  private async reapGroup(child: ChildProcess, stderrLines: LineSplitter): Promise<void> {
    if (child.pid !== undefined) {
      const survivors = await terminateGroup(child.pid, this.graceMs);
      if (survivors.length > 0)
        throw new Error(`processes ${survivors.join(', ')} of group ${child.pid} survived SIGKILL`);
    }
    // With the group gone nobody holds the pipes: they close at once. Bounded all the same,
    // in case a member escaped the group (setsid) with our pipe.
    const streams = [child.stdout, child.stderr].filter((stream) => stream !== null && !stream.closed);
    await settlesWithin(
      Promise.all(streams.map((stream) => new Promise((resolve) => stream?.once('close', resolve)))),
      Math.max(this.graceMs, 100),
    );
    stderrLines.end();
  }

  private finish(): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.readBuffer.clear();
    this.markFinished();
    this.onclose?.();
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** True when `promise` settled within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
