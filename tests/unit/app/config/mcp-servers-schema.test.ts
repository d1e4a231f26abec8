import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseMcpServers } from '../../../../app/config/mcp-servers-schema.js';
import { serversFromConfig } from '../../../../app/config/resolve-servers.js';
import { loadConfig } from '../../../../app/config/load-config.js';
import { ConfigError } from '../../../../core/errors.js';

const FILE = 'switchyard.config.json';

/** The message of the ConfigError `raw` gives; fails the test if it parses. */
function errorOf(raw: unknown): string {
  try {
    parseMcpServers(raw, { file: FILE });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

// Claude Desktop's claude_desktop_config.json, as its documentation and the reference servers'
// READMEs show it (names with spaces included).
const CLAUDE_DESKTOP = {
  mcpServers: {
    filesystem: {
      command: 'npx',
      args: [
        '-y',
        '@modelcontextprotocol/server-filesystem',
        '/Users/username/Desktop',
        '/Users/username/Downloads',
      ],
    },
    github: {
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      env: { GITHUB_PERSONAL_ACCESS_TOKEN: '<YOUR_TOKEN>' },
    },
    'Brave Search': {
      command: 'docker',
      args: ['run', '-i', '--rm', '-e', 'BRAVE_API_KEY', 'mcp/brave-search'],
      env: { BRAVE_API_KEY: 'YOUR_API_KEY_HERE' },
    },
  },
};

describe('the mcpServers schema', () => {
  it("parses a Claude Desktop config's mcpServers unchanged", () => {
    const servers = parseMcpServers(CLAUDE_DESKTOP.mcpServers, { file: FILE });
    expect(Object.keys(servers)).toEqual(['filesystem', 'github', 'Brave Search']);
    for (const [name, raw] of Object.entries(CLAUDE_DESKTOP.mcpServers)) {
      const entry = servers[name]!;
      expect(entry.kind).toBe('stdio');
      expect(entry.enabled).toBe(true);
      if (entry.kind !== 'stdio') throw new Error('not stdio');
      expect(entry.command).toBe(raw.command);
      expect(entry.args).toEqual(raw.args);
      expect(entry.env).toEqual('env' in raw ? raw.env : {});
    }
  });

  it('accepts Streamable HTTP entries, with or without a type', () => {
    const servers = parseMcpServers(
      {
        plain: { url: 'https://mcp.example.com/mcp' },
        typed: { type: 'http', url: 'http://127.0.0.1:3000/mcp', headers: { Authorization: 'Bearer x' } },
        vscode: { type: 'streamable-http', url: 'https://mcp.example.com/mcp' },
      },
      { file: FILE },
    );
    expect(Object.values(servers).map((entry) => entry.kind)).toEqual(['http', 'http', 'http']);
    const typed = servers.typed!;
    expect(typed.kind === 'http' && typed.headers).toEqual({ Authorization: 'Bearer x' });
  });

  it('refuses the legacy SSE transport and says to use Streamable HTTP', () => {
    const message = errorOf({ legacy: { type: 'sse', url: 'https://mcp.example.com/sse' } });
    expect(message).toContain(`${FILE}: mcpServers.legacy.type: the legacy SSE transport is not supported`);
    expect(message).toContain('Streamable HTTP');
  });

  it('accepts built-in servers by name, with args only where the server takes them', () => {
    const servers = parseMcpServers(
      { crm: { builtin: 'crm' }, docs: { builtin: 'filesystem', args: ['/srv/docs'] } },
      { file: FILE },
    );
    expect(servers.crm).toMatchObject({ kind: 'builtin', builtin: 'crm', args: [] });
    expect(servers.docs).toMatchObject({ kind: 'builtin', builtin: 'filesystem', args: ['/srv/docs'] });
    expect(errorOf({ c: { builtin: 'crmx' } })).toContain(
      `${FILE}: mcpServers.c.builtin: unknown built-in server 'crmx'; built-in servers: crm, filesystem, github, memory, vector`,
    );
    expect(errorOf({ c: { builtin: 'crm', args: ['x'] } })).toContain(
      `${FILE}: mcpServers.c.args: the built-in server 'crm' takes no args`,
    );
  });

  it('names the file, the server and the field of each bad field', () => {
    expect(errorOf({ github: { url: 'ftp://example.com' } })).toContain(
      `${FILE}: mcpServers.github.url: url must be an http(s) URL`,
    );
    const message = errorOf({
      a: { command: 'x', restart: { policy: 'sometimes' } },
      b: { command: 'y', env: { PORT: 8080 } },
      c: { command: 'z', startupTimeoutMs: -1 },
    });
    expect(message).toContain(`${FILE}: mcpServers.a.restart.policy:`);
    expect(message).toContain(`${FILE}: mcpServers.b.env.PORT: expected a string value`);
    expect(message).toContain(`${FILE}: mcpServers.c.startupTimeoutMs:`);
  });

  it('reports unknown keys and entries of no known form', () => {
    expect(errorOf({ a: { command: 'x', comand: 'y' } })).toMatch(
      /mcpServers\.a: Unrecognized key: "comand"/,
    );
    expect(errorOf({ a: { cmd: 'x' } })).toContain(`${FILE}: mcpServers.a: expected "command"`);
    expect(errorOf({ a: 'npx server' })).toContain(`${FILE}: mcpServers.a: expected an object`);
    expect(errorOf({ a: { type: 'websocket', url: 'ws://x' } })).toContain(
      `mcpServers.a.type: unknown type "websocket"`,
    );
  });

  it('accepts keys other clients write (Cline autoApprove) without using them', () => {
    const servers = parseMcpServers(
      { a: { command: 'x', autoApprove: ['read'], alwaysAllow: [] } },
      { file: FILE },
    );
    expect(servers.a?.kind).toBe('stdio');
  });

  it('reads enabled, and disabled as Cline and Cursor write it', () => {
    const servers = parseMcpServers(
      {
        plain: { command: 'x' },
        off: { command: 'x', enabled: false },
        cline: { command: 'x', disabled: true },
        on: { command: 'x', disabled: false },
      },
      { file: FILE },
    );
    expect(Object.fromEntries(Object.entries(servers).map(([name, entry]) => [name, entry.enabled]))).toEqual(
      {
        plain: true,
        off: false,
        cline: false,
        on: true,
      },
    );
    expect(errorOf({ a: { command: 'x', enabled: true, disabled: true } })).toContain(
      'mcpServers.a.enabled: enabled: true and disabled: true contradict each other',
    );
  });

  it('validates aliases against the exposed-name rule, and refuses one alias for two tools', () => {
    const servers = parseMcpServers(
      {
        crm: {
          builtin: 'crm',
          prefix: false,
          aliases: { get_account: 'crm-account' },
          tools: { deny: ['delete_*'] },
        },
      },
      { file: FILE },
    );
    expect(servers.crm).toMatchObject({
      prefix: false,
      aliases: { get_account: 'crm-account' },
      tools: { deny: ['delete_*'] },
    });
    expect(errorOf({ crm: { builtin: 'crm', aliases: { get_account: 'get account' } } })).toContain(
      `${FILE}: mcpServers.crm.aliases.get_account: an alias must be 1–64 letters, digits, _ or -`,
    );
    expect(errorOf({ crm: { builtin: 'crm', aliases: { get_account: 'x'.repeat(65) } } })).toContain(
      'mcpServers.crm.aliases.get_account',
    );
    expect(errorOf({ crm: { builtin: 'crm', aliases: { a: 'same', b: 'same' } } })).toContain(
      "mcpServers.crm.aliases.b: the alias 'same' is also given to 'a'",
    );
  });

  it('accepts any server name of 1 to 64 characters', () => {
    expect(Object.keys(parseMcpServers({ 'My Server (prod)': { command: 'x' } }, { file: FILE }))).toEqual([
      'My Server (prod)',
    ]);
    expect(errorOf({ ['n'.repeat(65)]: { command: 'x' } })).toContain(
      'a server name must be at most 64 characters',
    );
    expect(errorOf({ '': { command: 'x' } })).toContain('a server name must not be empty');
  });
});

describe('mcpServers in a config file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('names the file in errors, through loadConfig', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
    const file = join(dir, FILE);
    writeFileSync(file, JSON.stringify({ mcpServers: { github: { url: 'github.com/mcp' } } }));
    const { config } = loadConfig({ cwd: dir, env: {} });
    expect(() => serversFromConfig(config.mcpServers, { file })).toThrow(
      `${file}: mcpServers.github.url: url must be an http(s) URL`,
    );
  });
});
