import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserMissing, launchChromium, screenshotAtEachViewport } from '../support/browser.js';
import { startSwitchyard, type SwitchyardProcess } from '../support/switchyard-process.js';

const ROOT = join(import.meta.dirname, '../..');
const TSX = import.meta.resolve('tsx');
const ECHO_CLI = join(ROOT, 'tests/support/echo-cli.ts');
const KEYS = {
  reader: { key: 'c3a9e1f47b20d85e6a1f9c0b2d7e4a5f8b3c6d9e', scopes: ['read'] },
  caller: { key: '7d2f8a4c1e9b3f6a0c5d8e2b7f4a1c9e6b3d0f5a', scopes: ['read', 'call'] },
  admin: { key: 'e8b1d4f7a2c5e9b3d6f0a4c8e1b5d9f2a6c0e3b7', scopes: ['read', 'call', 'admin'] },
} as const;
type KeyName = keyof typeof KEYS;

const missing = browserMissing();
if (missing) console.warn(`console browser tests skipped: ${missing}`);

// The console against a real `switchyard start` (built-in crm and memory, an echo server over
// stdio), driven in Debian's Chromium. One browser for the file; one context (tab) per test.
describe.skipIf(missing !== undefined)('the console in a browser', { timeout: 90_000 }, () => {
  let dir: string;
  let switchyard: SwitchyardProcess;
  let browser: Browser;
  let accountId: string;
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];

  beforeAll(async () => {
    // The console is built from the sources under test (Vite, about a second).
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'console/vite.config.ts'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    dir = mkdtempSync(join(tmpdir(), 'switchyard-console-'));
    writeFileSync(
      join(dir, 'switchyard.config.json'),
      JSON.stringify({
        api: {
          port: 0,
          keys: Object.entries(KEYS).map(([name, { key, scopes }]) => ({ name, key, scopes })),
        },
        mcpServers: {
          crm: { builtin: 'crm' },
          memory: { builtin: 'memory' },
          echo: { command: process.execPath, args: ['--import', TSX, ECHO_CLI, 'server', 'echo'] },
        },
      }),
    );
    [switchyard, browser] = await Promise.all([startSwitchyard(dir, KEYS.admin.key), launchChromium()]);
    const created = await api<{ result: { structuredContent: { record: { id: string } } } }>(
      'admin',
      '/v1/tools/crm__create_account/call',
      { arguments: { name: 'Console Test Co', owner: 'ana', industry: 'software' } },
    );
    accountId = created.result.structuredContent.record.id;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await switchyard?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    expect(cspViolations).toEqual([]);
  });

  async function api<T>(as: KeyName, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${switchyard.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${KEYS[as].key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** A new tab signed in through the sign-in form with `as`'s key, on `path`. */
  async function signedIn(as: KeyName, path = 'fleet'): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.goto(`${switchyard.url}/`);
    await page.fill('input[name=key]', KEYS[as].key);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    if (path !== 'fleet') await page.click(`nav a[href="/console/${path}"]`);
    return page;
  }

  async function awaitingApproval(runId: string) {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const task = await api<{ status: string }>('admin', `/v1/tasks/${runId}`);
      if (task.status === 'awaiting_approval') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`run ${runId} never reached its approval`);
  }

  it('signs in with a key: a read key sees no approve button, an admin key does', async () => {
    const { runId } = await api<{ runId: string }>('admin', '/v1/tasks', {
      agent: 'account-review',
      input: { accountId },
    });
    await awaitingApproval(runId);

    const reader = await signedIn('reader', 'approvals');
    const card = reader.locator(`li[data-run="${runId}"]`);
    await card.waitFor();
    expect(await reader.textContent('[data-testid=who]')).toContain('reader');
    expect(await card.locator('button', { hasText: 'Approve' }).count()).toBe(0);
    expect(await card.textContent()).toContain('Deciding needs the admin scope');
    // A read key is not offered the task form either.
    await reader.click('nav a[href="/console/runs"]');
    await reader.waitForSelector('table');
    expect(await reader.locator('form.submit').count()).toBe(0);

    const admin = await signedIn('admin', 'approvals');
    await admin.locator(`li[data-run="${runId}"] button`, { hasText: 'Approve' }).waitFor();
    expect(await screenshotAtEachViewport(admin, 'approvals')).toEqual([]);
    await api('admin', `/v1/runs/${runId}/reject`, { reason: 'only there for the scope test' });
  });

  it('refuses a wrong key at sign-in and keeps the key for the tab only', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${switchyard.url}/console/`);
    expect(await screenshotAtEachViewport(page, 'sign-in')).toEqual([]);
    await page.fill('input[name=key]', 'f'.repeat(40));
    await page.click('button[type=submit]');
    expect(await page.locator('[role=alert]').textContent()).toContain('not valid');
    await page.fill('input[name=key]', KEYS.reader.key);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
    // Page expressions are strings: this project's types have no DOM.
    expect(await page.evaluate('[sessionStorage.length, localStorage.length, document.cookie]')).toEqual([
      1,
      0,
      '',
    ]);
  });

  it('submits an account-review, follows it live to its gate, approves it in the inbox, and lists its crm writes', async () => {
    const page = await signedIn('admin', 'runs');
    await page.selectOption('form.submit select[name=agent]', 'account-review');
    await page.fill('form.submit textarea[name=input]', JSON.stringify({ accountId }));
    await page.click('form.submit button[type=submit]');
    await page.waitForURL(/\/console\/runs\/[^/]+$/);
    const runId = page.url().split('/').at(-1)!;

    // Live: the page was loaded before the run reached its gate; events bring it there.
    await page.waitForSelector('[data-testid=run-status]:text("awaiting_approval")', { timeout: 30_000 });
    await page.waitForSelector('[data-testid=timeline] li[data-type=approval_requested]');
    const current = await page
      .locator('.state.current')
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-state')));
    expect(current.length).toBeGreaterThan(0);
    expect(await screenshotAtEachViewport(page, 'run-awaiting-approval')).toEqual([]);

    await page.click('nav a[href="/console/approvals"]');
    const card = page.locator(`li[data-run="${runId}"]`);
    await card.locator('input[aria-label=reason]').fill('reviewed in the console');
    await card.locator('button', { hasText: 'Approve' }).click();
    await card.waitFor({ state: 'detached' });

    await page.goBack(); // the run page, from history
    await page.waitForSelector('[data-testid=run-status]:text("completed")', { timeout: 30_000 });
    const decided = page.locator('[data-testid=timeline] li[data-type=approval_decided]');
    expect(await decided.textContent()).toContain('reviewed in the console');
    const tools = await page
      .locator('[data-testid=tool-calls] li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-tool')));
    expect(tools).toContain('crm__get_account');
    expect(tools.some((tool) => /^crm__(update_account|create_task|create_note)$/.test(tool ?? ''))).toBe(
      true,
    );
    // The current state is a final one of the drawn statechart.
    expect(await page.locator('.state.current.type-final').count()).toBeGreaterThan(0);
    expect(await screenshotAtEachViewport(page, 'run-completed')).toEqual([]);

    await page.click('nav a[href="/console/runs"]');
    await page.waitForSelector(`tr[data-run="${runId}"]`);
    expect(await screenshotAtEachViewport(page, 'runs')).toEqual([]);
  });

  it('shows an upstream killed under it as restarting, then ready again, without a reload', async () => {
    const page = await signedIn('admin');
    const state = page.locator('tr[data-server=echo] [data-testid=state]');
    await page.waitForSelector('tr[data-server=echo] [data-testid=state]:text("ready")');
    expect(await screenshotAtEachViewport(page, 'fleet')).toEqual([]);
    // Every state the row shows is recorded as it changes, so a short `restarting` is not missed.
    await page.evaluate(`
      const cell = document.querySelector('tr[data-server=echo] [data-testid=state]');
      window.seenStates = [];
      new MutationObserver(() => window.seenStates.push(cell.textContent)).observe(cell, {
        characterData: true, childList: true, subtree: true,
      });
    `);
    const loads: string[] = [];
    page.on('framenavigated', (frame) => loads.push(frame.url()));
    const { servers } = await api<{ servers: Array<{ name: string; pid?: number }> }>('admin', '/v1/servers');
    const pid = servers.find((server) => server.name === 'echo')?.pid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    // Functions, not strings: the console's CSP refuses a string evaluated in the page.
    await page.waitForFunction(
      () => (globalThis as unknown as { seenStates: string[] }).seenStates.includes('restarting'),
      null,
      { timeout: 20_000 },
    );
    await page.waitForSelector('tr[data-server=echo] [data-testid=state]:text("ready")', { timeout: 30_000 });
    expect(await state.textContent()).toBe('ready');
    expect(loads).toEqual([]);
    const restarted = await api<{ servers: Array<{ name: string; pid?: number }> }>('admin', '/v1/servers');
    expect(restarted.servers.find((server) => server.name === 'echo')?.pid).not.toBe(pid);
  });

  it('calls a tool through the form generated from its schema and shows its structured result', async () => {
    const page = await signedIn('caller', 'catalog');
    await page.click('a[href="/console/catalog/echo__echo"]');
    await page.waitForSelector('form.schema-form');
    expect(await page.locator('form.schema-form label[for=arg-text]').textContent()).toContain('string');
    await page.fill('#arg-text', 'hello from the console');
    await page.click('form.schema-form button[type=submit]');
    const structured = await page.locator('[data-testid=structured]').textContent();
    expect(JSON.parse(structured ?? 'null')).toEqual({ text: 'hello from the console' });
    expect(await screenshotAtEachViewport(page, 'catalog')).toEqual([]);

    // The call is in the audit log an admin searches on the Activity page, with its caller's name.
    // Audit rows are written in batches off the call's path: the search waits until the row landed.
    await expect
      .poll(
        async () =>
          (await api<{ entries: unknown[] }>('admin', '/v1/audit?tool=echo__echo&key=caller')).entries.length,
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    const admin = await signedIn('admin', 'activity');
    await admin.fill('input[aria-label=tool]', 'echo__echo');
    await admin.press('input[aria-label=tool]', 'Enter');
    await admin.fill('input[aria-label=key]', 'caller');
    await admin.press('input[aria-label=key]', 'Enter');
    await admin.waitForSelector('table.audit tbody tr');
    const rows = await admin
      .locator('table.audit tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.textContent));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/caller.*echo__echo/);
    // The charts sample /metrics every 2 s: calls made meanwhile show as echo's calls/s.
    await admin.waitForSelector('.chart[data-server=echo]');
    for (let i = 0; i < 5; i++)
      await api('caller', '/v1/tools/echo__echo/call', { arguments: { text: `n${i}` } });
    await admin.waitForFunction(
      () => {
        const { document } = globalThis as unknown as {
          document: { querySelector(selector: string): { textContent: string } | null };
        };
        const caption = document.querySelector('.chart[data-server=echo] figcaption');
        return Number(caption?.textContent.split(' ')[0]) > 0;
      },
      null,
      { timeout: 10_000 },
    );

    expect(await screenshotAtEachViewport(admin, 'activity')).toEqual([]);
  });

  it('lets no page of a foreign origin read or drive the API', async () => {
    // A page served from another origin (another port is another origin) tries the API with a key.
    const foreign: Server = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
      const before = await api<{ runs: unknown[] }>('admin', '/v1/runs?limit=1000');
      const outcome = await page.evaluate(
        async ({ url, key, accountId: account }) => {
          const read = await fetch(`${url}/v1/session`, { headers: { authorization: `Bearer ${key}` } }).then(
            (response) => `read ${response.status}`,
            () => 'read blocked',
          );
          // A form-like request the browser sends without asking: opaque, and refused by the server.
          const drive = await fetch(`${url}/v1/tasks`, {
            method: 'POST',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body: JSON.stringify({ agent: 'account-review', input: { accountId: account } }),
          }).then(
            (response) => `drive ${response.type}`,
            () => 'drive blocked',
          );
          const socket = await new Promise<string>((resolve) => {
            const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/events`, ['switchyard']);
            ws.onopen = () => resolve('socket open');
            ws.onerror = () => resolve('socket refused');
          });
          return [read, drive, socket];
        },
        { url: switchyard.url, key: KEYS.admin.key, accountId },
      );
      expect(outcome).toEqual(['read blocked', 'drive opaque', 'socket refused']);
      const after = await api<{ runs: unknown[] }>('admin', '/v1/runs?limit=1000');
      expect(after.runs.length).toBe(before.runs.length);
      // The server refused them by their Origin before anything else ran.
      const refused = await fetch(`${switchyard.url}/v1/session`, {
        headers: { authorization: `Bearer ${KEYS.admin.key}`, origin: 'http://127.0.0.1:1' },
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      foreign.close();
    }
  });
});
