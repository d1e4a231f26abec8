import { describe, expect, it } from 'vitest';
import { parseMcpServers } from '../../../../app/config/mcp-servers-schema.js';
import {
  defaultMcpServers,
  resolveServers,
  serversFromConfig,
} from '../../../../app/config/resolve-servers.js';

describe('resolving mcpServers entries', () => {
  it('turns a stdio entry into a stdio spec, cwd relative to the config directory', () => {
    const [server] = resolveServers(
      parseMcpServers({
        git: { command: 'uvx', args: ['mcp-server-git'], env: { A: '1' }, cwd: 'repos', callTimeoutMs: 5000 },
      }),
      { baseDir: '/etc/switchyard' },
    );
    expect(server).toMatchObject({
      name: 'git',
      enabled: true,
      spec: {
        name: 'git',
        transport: 'stdio',
        command: 'uvx',
        args: ['mcp-server-git'],
        env: { A: '1' },
        cwd: '/etc/switchyard/repos',
        callTimeoutMs: 5000,
        startupTimeoutMs: 30_000,
      },
      catalog: { prefixed: true, aliases: {}, tools: {} },
    });
    expect(server!.spec).not.toHaveProperty('kind');
    expect(server!.spec).not.toHaveProperty('prefix');
  });

  it('turns an http entry into an http spec and a builtin into an in-process spec', () => {
    const servers = resolveServers(
      parseMcpServers({
        remote: {
          type: 'streamable-http',
          url: 'https://mcp.example.com/mcp',
          headers: { A: 'b' },
          disabled: true,
        },
        docs: {
          builtin: 'filesystem',
          args: ['/srv/docs'],
          prefix: false,
          aliases: { read_text_file: 'read_doc' },
          tools: { allow: ['read_*'], deny: ['read_media_file'] },
          restart: { policy: 'never' },
        },
      }),
    );
    expect(servers[0]).toMatchObject({
      name: 'remote',
      enabled: false,
      spec: { transport: 'http', url: 'https://mcp.example.com/mcp', headers: { A: 'b' } },
    });
    expect(servers[1]).toMatchObject({
      name: 'docs',
      spec: {
        name: 'docs',
        transport: 'builtin',
        server: 'filesystem',
        args: ['/srv/docs'],
        restart: { policy: 'never' },
      },
      catalog: {
        prefixed: false,
        aliases: { read_text_file: 'read_doc' },
        tools: { allow: ['read_*'], deny: ['read_media_file'] },
      },
    });
  });

  it('defaults to the five built-in servers, in process', () => {
    const servers = resolveServers(defaultMcpServers());
    expect(servers.map((server) => [server.name, server.spec.transport, server.enabled])).toEqual([
      ['memory', 'builtin', true],
      ['filesystem', 'builtin', true],
      ['crm', 'builtin', true],
      ['github', 'builtin', true],
      ['vector', 'builtin', true],
    ]);
    expect(serversFromConfig({}).map((server) => server.name)).toEqual(servers.map((server) => server.name));
    expect(serversFromConfig({ only: { builtin: 'crm' } }).map((server) => server.name)).toEqual(['only']);
  });
});
