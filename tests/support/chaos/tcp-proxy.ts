import { connect, createServer, type Server, type Socket } from 'node:net';

/** What a cut does to connections that are open at that moment. */
export type CutMode =
  /** Stop forwarding both ways, close nothing: the peers see silence (a real partition). */
  | 'blackhole'
  /** Destroy both sides: the peers see a reset at once. */
  | 'reset';

interface Pair {
  client: Socket;
  upstream?: Socket;
  /** Forwarding stopped by a blackhole cut. */
  frozen: boolean;
}

/**
 * A TCP proxy in the test process: 127.0.0.1:<port> → target. Point one process's DATABASE_URL
 * and REDIS_URL at proxies and it can be partitioned from PostgreSQL and Redis while the others
 * stay connected. While cut, a new connection is accepted and held without a byte forwarded (a
 * SYN into a partition hangs; it is not refused); `restore` forwards what was held, and a
 * blackholed pair goes on with what its peers wrote meanwhile (a healed partition delivers late
 * packets), unless a peer gave up on it.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private cutMode: CutMode | undefined;
  /** Connections opened so far, and the ones held by a cut. */
  readonly stats = { connections: 0, held: 0 };

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy: no address');
    const proxy = new TcpProxy(server, address.port, target);
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  /** The proxy in place of `url`'s host:port (a postgres:// or redis:// URL to its target). */
  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  get isCut(): boolean {
    return this.cutMode !== undefined;
  }

  /** Open pairs now (held ones included). */
  get openPairs(): number {
    return this.pairs.size;
  }

  /** Partitions: open pairs are blackholed or reset; new connections hang until restore. */
  cut(mode: CutMode = 'blackhole'): void {
    this.cutMode = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'reset') {
        this.drop(pair);
        continue;
      }
      pair.frozen = true;
      pair.client.unpipe();
      pair.upstream?.unpipe();
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /** Heals: blackholed pairs forward again (with what was written meanwhile), held ones connect. */
  restore(): void {
    this.cutMode = undefined;
    for (const pair of [...this.pairs]) {
      if (!pair.frozen) continue;
      pair.frozen = false;
      if (pair.upstream) this.link(pair);
      else this.connectUpstream(pair);
    }
  }

  /** Closes the listener and every pair. */
  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.stats.connections++;
    const pair: Pair = { client, frozen: false };
    this.pairs.add(pair);
    client.on('error', () => this.drop(pair)); // a peer's reset ends the pair, nothing to report
    client.on('close', () => this.drop(pair));
    if (this.cutMode) {
      // Held: accepted by the kernel, never read, never forwarded.
      this.stats.held++;
      pair.frozen = true;
      client.pause();
      return;
    }
    this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => this.drop(pair));
    upstream.on('close', () => this.drop(pair));
    // Cut while connecting: the pair stays frozen, and restore links it.
    upstream.on('connect', () => {
      if (!pair.frozen) this.link(pair);
    });
  }

  private link(pair: Pair): void {
    const { client, upstream } = pair;
    if (!upstream || upstream.connecting) return; // its 'connect' links it
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
    upstream.resume();
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
