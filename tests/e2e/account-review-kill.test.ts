import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const TSX = import.meta.resolve('tsx');
const CHILD = join(import.meta.dirname, '../support/run-host-child.ts');

function host(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, ['--import', TSX, CHILD, ...args], {
    env: { PATH: process.env.PATH ?? '', SWITCHYARD_LOG_LEVEL: 'warn' },
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => process.stderr.write(chunk));
  return child;
}

/** The first JSON line the child prints on stdout. */
async function firstLine(child: ChildProcessWithoutNullStreams): Promise<Record<string, unknown>> {
  child.stdout.setEncoding('utf8');
  let text = '';
  for await (const chunk of child.stdout) {
    text += chunk as string;
    const end = text.indexOf('\n');
    if (end >= 0) return JSON.parse(text.slice(0, end)) as Record<string, unknown>;
  }
  throw new Error(`the child ended without a line (exit ${child.exitCode})`);
}

interface Executed {
  action: string;
  ok: boolean;
}

describe('account-review across kill -9', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-kill-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it(
    'waits for approval, survives kill -9 of its process, is approved in a new one and writes to the crm exactly once',
    { timeout: 600_000 },
    async () => {
      const first = host([home, 'start']);
      const parked = await firstLine(first);
      expect(parked.status).toBe('awaiting_approval');
      first.kill('SIGKILL');
      await once(first, 'exit');

      const second = host([home, 'approve', String(parked.runId)]);
      const result = await firstLine(second);
      const [code] = (await once(second, 'exit')) as [number];
      expect(code).toBe(0);
      expect(result.status).toBe('completed');
      const output = result.output as { outcome: string; executed: Executed[] };
      expect(output.outcome).toMatch(/applied/);
      const written = output.executed.filter((e) => e.ok);
      expect(written.length).toBeGreaterThan(0);
      const rows = result.crmRows as Record<string, number>;
      expect(rows.crm_tasks).toBe(written.filter((e) => e.action === 'create_task').length);
      expect(rows.crm_notes).toBe(written.filter((e) => e.action === 'add_note').length);
      const started = result.effects as string[];
      expect(new Set(started).size).toBe(started.length); // no tool call started twice
    },
  );
});
