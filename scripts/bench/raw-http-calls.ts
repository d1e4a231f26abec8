import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** An MCP session opened by an SDK client, reused by hand-written requests. */
export interface RawSession {
  /** The endpoint, e.g. `http://127.0.0.1:8787/mcp`. */
  url: string;
  sessionId: string;
  protocolVersion: string;
}

/**
 * bench:bridge's minimal load generator for the HTTP paths: `tools/call` as hand-written JSON-RPC
 * over node:http with keep-alive, one connection per session, the answer read as JSON or as an
 * SSE stream (whichever the server chose) and checked. It does what any client must and nothing
 * else (no fetch, no web streams, no schema validation), so the serving side's share of the CPU
 * shows; the SDK client rows measure what an SDK client sees.
 */
export async function rawHttpCalls(
  sessions: readonly RawSession[],
  tool: string,
  text: string,
  total: number,
): Promise<{ callsPerSecond: number; clientCpuUsPerCall: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: sessions.length });
  try {
    let started = 0;
    const worker = async (session: RawSession) => {
      const url = new URL(session.url);
      while (started < total) {
        const id = `raw-${++started}`;
        const body = JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: tool, arguments: { text } },
        });
        const answer = await post(agent, url, session, body);
        const message = parseAnswer(answer.contentType, answer.text);
        const result = message.result as { content?: { text?: string }[] } | undefined;
        if (message.id !== id || result?.content?.[0]?.text !== text)
          throw new Error(`${tool} answered ${answer.text.slice(0, 300)}`);
      }
    };
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    await Promise.all(sessions.map(worker));
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { callsPerSecond: total / seconds, clientCpuUsPerCall: (cpu.user + cpu.system) / total };
  } finally {
    agent.destroy();
  }
}

function post(
  agent: Agent,
  url: URL,
  session: RawSession,
  body: string,
): Promise<{ contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': session.sessionId,
          'mcp-protocol-version': session.protocolVersion,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          else resolve({ contentType: res.headers['content-type'] ?? '', text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON-RPC response of an answer: the JSON body, or the SSE event that carries a response. */
function parseAnswer(contentType: string, text: string): { id?: unknown; result?: unknown } {
  if (contentType.startsWith('application/json')) return JSON.parse(text) as { id?: unknown };
  for (const event of text.split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice('data: '.length))
      .join('\n');
    if (!data) continue;
    const message = JSON.parse(data) as { id?: unknown; method?: unknown };
    if (message.method === undefined) return message;
  }
  throw new Error(`no response in the SSE answer: ${text.slice(0, 300)}`);
}
