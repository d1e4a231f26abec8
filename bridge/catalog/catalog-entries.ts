import type {
  CallToolResult,
  Prompt,
  Resource,
  ResourceTemplateType,
  Tool,
} from '@modelcontextprotocol/server';
import type { ApiScope } from '#runtime/config';
import type { UpstreamRequestOptions } from '../fleet/request-gate.js';
import type { Caller } from '../access/caller.js';
import type { Elicit } from './client-elicitation.js';
import type { UpstreamState } from '../fleet/upstream-events.js';
import type { Collision, NameFilter } from './tool-names.js';

/** The three lists MCP clients are told about with `notifications/<kind>/list_changed`. */
export type CatalogKind = 'tools' | 'resources' | 'prompts';

/** How one server's names are exposed (from the config layer). */
export interface ServerCatalogOptions {
  /** `<server>__<tool>` when true, the server's own names when false. @defaultValue true */
  prefixed: boolean;
  /** Upstream tool name → the exposed name to use instead. Tools only. @defaultValue {} */
  aliases: Record<string, string>;
  /** Globs over the upstream's own tool names; deny wins. @defaultValue every tool */
  tools: NameFilter;
}

export const DEFAULT_SERVER_OPTIONS: ServerCatalogOptions = { prefixed: true, aliases: {}, tools: {} };

/**
 * Whether a source takes calls now. `state` is the upstream's state, or `local` for Switchyard's
 * own tools.
 */
export interface Availability {
  available: boolean;
  state: UpstreamState | 'local';
  /** Why not, in words, when unavailable (`crm is restarting`). */
  reason?: string;
}

/** What every merged entry records about where it came from. */
export interface CatalogSource extends Availability {
  server: string;
  /** True for tools added with `Catalog.addLocalTools`. */
  local: boolean;
}

export interface CatalogTool extends CatalogSource {
  /** The exposed name (`crm__get_account`). */
  name: string;
  /** The upstream's own name (`get_account`). */
  upstreamName: string;
  /**
   * The definition to send in `tools/list`: the upstream's, with the exposed name, and, when
   * unavailable, a description suffix and `_meta['switchyard/available'] = false`.
   */
  definition: Tool;
}

export interface CatalogResource extends CatalogSource {
  uri: string;
  definition: Resource;
}

export interface CatalogResourceTemplate extends CatalogSource {
  uriTemplate: string;
  definition: ResourceTemplateType;
}

export interface CatalogPrompt extends CatalogSource {
  name: string;
  upstreamName: string;
  definition: Prompt;
}

export type CollisionKind = 'tool' | 'prompt' | 'resource' | 'resource-template';

/** Two or more sources claiming one exposed name or URI; the first source is the one listed. */
export interface CatalogCollision extends Collision {
  kind: CollisionKind;
}

export interface CatalogCallOptions extends UpstreamRequestOptions {
  /** `_meta` sent with the call. */
  meta?: Record<string, unknown>;
  /**
   * Who calls, as the front authenticated them. A local tool that needs a scope refuses a call
   * without one (see {@link LocalToolProvider.scopeOf}); upstream tools are gated by the fronts.
   */
  caller?: Caller;
  /**
   * Asks the person behind the calling client (an MCP elicitation), when the client can be asked;
   * absent otherwise. A local tool uses it to put a run's approval to them (bridge/tasks).
   */
  elicit?: Elicit;
}

/**
 * Switchyard's own tools (agents__run, tasks__submit, …): the extension point of the catalog.
 * Their names are exposed as given and must match EXPOSED_NAME; a collision with an upstream's
 * name is reported like any other, and the local tool wins (local sources come first).
 */
export interface LocalToolProvider {
  /** The source name used in collisions and logs (e.g. `switchyard`). */
  readonly name: string;
  listTools(): Tool[];
  /**
   * The scope a caller needs for this tool; the catalog checks it before calling, so a tool that
   * decides approvals cannot be reached with the `call` scope every tool call needs.
   * @defaultValue 'call'
   */
  scopeOf?(name: string): ApiScope;
  callTool(name: string, args: Record<string, unknown>, options: CatalogCallOptions): Promise<CallToolResult>;
  /** Tells the catalog its list changed; returns the function that stops listening. */
  onChanged?(listener: () => void): () => void;
}

export interface CatalogChange {
  kinds: CatalogKind[];
}
