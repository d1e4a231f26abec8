import { z } from 'zod';
import { configErrorFromIssues } from './load-config.js';
import { EXPOSED_NAME } from '#bridge/catalog';
import { supervisionShape } from '#bridge/fleet';
import { MCP_SERVERS, type McpServerRegistry } from '../servers/mcp-server-registry.js';

/**
 * The `mcpServers` section of `switchyard.config.json`, in Claude Desktop's format, so a Claude
 * Desktop (or Cursor, Cline) `mcpServers` object works unchanged:
 *
 * - stdio: `{command, args?, env?, cwd?}`, optionally `type: 'stdio'`;
 * - Streamable HTTP: `{url, headers?}`, optionally `type: 'http' | 'streamable-http'`;
 * - one of Switchyard's own servers: `{builtin: 'crm'}` (with `args` where the server takes them).
 *
 * Each entry may add Switchyard's options: `enabled` (or `disabled`), `prefix`, `tools` (allow and
 * deny globs), `aliases`, and the fleet's supervision options (timeouts, `restart`, `circuitBreaker`).
 */

/** Keys other clients write in their `mcpServers` entries; accepted so their files load, and ignored. */
const FOREIGN_KEYS = {
  /** Cline, Roo: tools approved without asking. */
  autoApprove: z.unknown().optional(),
  alwaysAllow: z.unknown().optional(),
} as const;

const glob = z.string().min(1, 'a glob must not be empty');

const optionsShape = {
  /** @defaultValue true */
  enabled: z.boolean().optional(),
  /** The opposite of `enabled`, as Cline and Cursor write it. @defaultValue false */
  disabled: z.boolean().optional(),
  /** False exposes the server's names as it gives them, without `<server>__`. @defaultValue true */
  prefix: z.boolean().default(true),
  /** Globs over the server's own tool names; deny wins. @defaultValue every tool */
  tools: z.strictObject({ allow: z.array(glob).optional(), deny: z.array(glob).optional() }).prefault({}),
  /** `{<upstream tool name>: <exposed name>}`; an exposed name is used as given, unprefixed. @defaultValue {} */
  aliases: z
    .record(
      z.string().min(1, 'an aliased tool name must not be empty'),
      z.string().regex(EXPOSED_NAME, 'an alias must be 1–64 letters, digits, _ or -'),
    )
    .default({})
    .superRefine((aliases, ctx) => {
      const seen = new Map<string, string>();
      for (const [tool, alias] of Object.entries(aliases)) {
        const other = seen.get(alias);
        if (other !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: [tool],
            message: `the alias '${alias}' is also given to '${other}'`,
          });
        seen.set(alias, tool);
      }
    }),
  ...supervisionShape,
  ...FOREIGN_KEYS,
};

const stringMap = z.record(z.string(), z.string({ message: 'expected a string value' }));

export const StdioEntrySchema = z.strictObject({
  type: z.literal('stdio').optional(),
  command: z.string().min(1, 'command must not be empty'),
  args: z.array(z.string()).default([]),
  env: stringMap.default({}),
  /** Relative to the config file's directory. */
  cwd: z.string().min(1, 'cwd must not be empty').optional(),
  ...optionsShape,
});

export const HttpEntrySchema = z.strictObject({
  type: z.enum(['http', 'streamable-http']).optional(),
  url: z.url({ protocol: /^https?$/, message: 'url must be an http(s) URL' }),
  headers: stringMap.default({}),
  ...optionsShape,
});

/** A built-in entry; `builtin` is checked against the registry by {@link createMcpServerEntrySchema}. */
export const BuiltinEntrySchema = z.strictObject({
  builtin: z.string().min(1, 'builtin must name a built-in server'),
  args: z.array(z.string()).default([]),
  ...optionsShape,
});

type OptionsOutput = 'enabled' | 'disabled';
type Entry<S extends z.ZodType, K extends string> = Omit<z.output<S>, OptionsOutput> & {
  kind: K;
  /** `enabled` and `disabled` folded into one. */
  enabled: boolean;
};

export type StdioEntry = Entry<typeof StdioEntrySchema, 'stdio'>;
export type HttpEntry = Entry<typeof HttpEntrySchema, 'http'>;
export type BuiltinEntry = Entry<typeof BuiltinEntrySchema, 'builtin'>;
/** One validated `mcpServers` entry, with its transport as `kind` and every default applied. */
export type McpServerEntry = StdioEntry | HttpEntry | BuiltinEntry;
export type McpServers = Record<string, McpServerEntry>;

const TYPES = ['stdio', 'http', 'streamable-http'];

/**
 * The schema of one entry. Which form it is comes from `type`, else from which of `builtin`, `url`
 * and `command` it has, so an error is about that form's fields rather than three alternatives.
 */
export function createMcpServerEntrySchema(registry: McpServerRegistry = MCP_SERVERS) {
  const builtins = Object.keys(registry).sort();
  return z.unknown().transform((value, ctx): McpServerEntry => {
    const fail = (message: string, path: PropertyKey[] = []) => {
      ctx.addIssue({ code: 'custom', message, path, input: value });
      return z.NEVER;
    };
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return fail('expected an object such as {"command": …}, {"url": …} or {"builtin": …}');
    const raw = value as Record<string, unknown>;
    const type = raw.type;
    if (type === 'sse')
      return fail(
        "the legacy SSE transport is not supported: use the server's Streamable HTTP endpoint " +
          "(type 'http', usually a URL ending in /mcp)",
        ['type'],
      );
    if (type !== undefined && !TYPES.includes(type as string))
      return fail(`unknown type ${JSON.stringify(type)}; expected 'stdio', 'http' or 'streamable-http'`, [
        'type',
      ]);
    const kind =
      type === 'stdio'
        ? 'stdio'
        : type !== undefined || 'url' in raw
          ? 'http'
          : 'builtin' in raw
            ? 'builtin'
            : 'command' in raw
              ? 'stdio'
              : undefined;
    if (kind === undefined)
      return fail(
        'expected "command" (a stdio server), "url" (Streamable HTTP) or "builtin" (a built-in server)',
      );

    const schema =
      kind === 'stdio' ? StdioEntrySchema : kind === 'http' ? HttpEntrySchema : BuiltinEntrySchema;
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path, input: value });
      return z.NEVER;
    }
    const { enabled, disabled, ...rest } = parsed.data;
    if (enabled !== undefined && disabled !== undefined && enabled === disabled)
      return fail(`enabled: ${enabled} and disabled: ${disabled} contradict each other; keep one`, [
        'enabled',
      ]);
    const entry = { ...rest, kind, enabled: enabled ?? !(disabled ?? false) } as McpServerEntry;
    if (entry.kind === 'builtin') {
      const server = Object.hasOwn(registry, entry.builtin) ? registry[entry.builtin] : undefined;
      if (!server)
        return fail(`unknown built-in server '${entry.builtin}'; built-in servers: ${builtins.join(', ')}`, [
          'builtin',
        ]);
      if (entry.args.length > 0 && server.args === undefined)
        return fail(`the built-in server '${entry.builtin}' takes no args`, ['args']);
    }
    return entry;
  });
}

/** Server names: 1–64 characters, any of them (the catalog makes a valid prefix of any name). */
const serverName = z
  .string()
  .min(1, 'a server name must not be empty')
  .max(64, 'a server name must be at most 64 characters');

export function createMcpServersSchema(registry: McpServerRegistry = MCP_SERVERS) {
  return z.record(serverName, createMcpServerEntrySchema(registry), {
    // Zod's own message for a bad key says only "Invalid key in record".
    error: (issue) =>
      issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? 'invalid server name') : undefined,
  });
}

export const McpServersSchema = createMcpServersSchema();

export interface ParseMcpServersOptions {
  /** The config file, named in errors. @defaultValue 'configuration' */
  file?: string | null;
  /** @defaultValue MCP_SERVERS */
  registry?: McpServerRegistry;
}

/**
 * Validates a config file's `mcpServers` object. Throws a ConfigError with one line per problem,
 * naming the file, the server and the field (`switchyard.config.json: mcpServers.github.url: …`).
 */
export function parseMcpServers(raw: unknown, options: ParseMcpServersOptions = {}): McpServers {
  const schema = options.registry ? createMcpServersSchema(options.registry) : McpServersSchema;
  const result = schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const file = options.file ?? 'configuration';
  throw configErrorFromIssues(result.error.issues, (path) => `${file}: ${path}`, ['mcpServers']);
}
