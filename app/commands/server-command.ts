import { type Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config/config-schema.js';
import { ConfigError, ValidationError } from '#core';
import { commandContext } from '../context.js';
import { serverRole } from '../roles/server-role.js';
import { nextSignal } from './next-signal.js';
import { findMcpServer, MCP_SERVERS, type McpServerRegistry } from '../servers/mcp-server-registry.js';

interface ServerOptions {
  http?: number;
  host?: string;
  token?: string;
  allowOrigin?: string[];
}

/**
 * `switchyard server <name>`: runs one of Switchyard's MCP servers standalone, over stdio (what
 * Claude Desktop and the bridge's fleet start) or, with `--http`, over Streamable HTTP. Over HTTP
 * the first log line on stderr is `{"url":"http://127.0.0.1:PORT/mcp","msg":"listening on …"}`,
 * which is how a caller that passed `--http 0` learns the port.
 *
 * `registry` is injectable so tests can run the command with servers of their own.
 */
export function registerServerCommand(program: Command, registry: McpServerRegistry = MCP_SERVERS): void {
  const names = Object.keys(registry).sort();
  program
    .command('server')
    .description('run one MCP server over stdio (default) or Streamable HTTP; logs go to stderr')
    .argument('<name>', `the server: ${names.map((n) => `${n} (${registry[n]?.description})`).join('; ')}`)
    .argument(
      '[args...]',
      `server arguments: ${names
        .filter((n) => registry[n]?.args)
        .map((n) => `${n}: ${registry[n]?.args}`)
        .join('; ')}`,
    )
    .option('--http <port>', 'serve Streamable HTTP at /mcp on this port (0 = a free port)', parsePort)
    .option('--host <host>', 'interface to listen on with --http (default 127.0.0.1)')
    .option('--token <token>', 'with --http: require Authorization: Bearer <token>')
    .option('--allow-origin <origin...>', 'with --http: browser origins allowed to call the server')
    .action(async (name: string, args: string[], options: ServerOptions, command: Command) => {
      // The name is checked before the config is read, so a typo fails fast and says what exists.
      const entry = findMcpServer(name, registry);
      if (args.length > 0 && !entry.args)
        throw new ValidationError(`the ${name} server takes no arguments (got ${args.join(' ')})`, { args });
      if (options.http === undefined) rejectHttpOnlyOptions(options);
      const { config, file, logger } = commandContext(command);
      if (options.http !== undefined) refuseUnrootedFilesystem(name, config, args);
      const role = await serverRole({ config, file, logger }, name, entry, {
        args,
        ...(options.http !== undefined
          ? {
              http: {
                port: options.http,
                host: options.host,
                bearerToken: options.token,
                allowedOrigins: options.allowOrigin,
              },
            }
          : {}),
      });
      try {
        await (role.ended ?? nextSignal());
      } finally {
        await role.close();
      }
    });
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 = a free port)');
  return port;
}

/**
 * Security: with no configured roots the filesystem server uses the roots its client declares,
 * which is the user's choice over stdio; over HTTP any client that reaches the port could declare
 * `/` its root. So over HTTP the roots must come from the operator.
 */
function refuseUnrootedFilesystem(name: string, config: Config, args: readonly string[]): void {
  if (name !== 'filesystem' || config.filesystem.roots.length > 0 || args.length > 0) return;
  throw new ConfigError(
    'the filesystem server over --http needs allowed directories: set filesystem.roots or ' +
      'SWITCHYARD_FS_ROOTS, or pass them as arguments (switchyard server filesystem /srv/docs --http 0); ' +
      'without them any HTTP client could declare / as its root',
  );
}

function rejectHttpOnlyOptions(options: ServerOptions): void {
  const given = [
    options.host !== undefined && '--host',
    options.token !== undefined && '--token',
    options.allowOrigin !== undefined && '--allow-origin',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (given.length > 0)
    throw new ValidationError(`${given.join(', ')} only apply with --http <port>`, { options: given });
}
