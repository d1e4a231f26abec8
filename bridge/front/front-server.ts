import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  type Implementation,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { CatalogCallOptions } from '../catalog/catalog-entries.js';
import type { CatalogReader } from '../catalog/catalog-reader.js';
import { type Logger, silentLogger } from '../../runtime/logger.js';
import type { FrontHub } from './front-hub.js';

export interface FrontServerOptions {
  /** The catalog served (the whole catalog, or a filtered view of it). */
  catalog: CatalogReader;
  /** Shared by every session of the process; also the fleet's `configureClient`. */
  hub: FrontHub;
  /** @defaultValue silentLogger */
  logger?: Logger;
  /** Timeout of each relayed request. @defaultValue each upstream's callTimeoutMs */
  callTimeoutMs?: number;
  /** A progress notification restarts the call's timeout. @defaultValue true */
  resetTimeoutOnProgress?: boolean;
  /** Upper bound on a call, progress or not. @defaultValue none */
  maxTotalTimeoutMs?: number;
  /** The list requests wait for it (see ComposedBridge.ready). @defaultValue none */
  ready?: Promise<void>;
  /** @defaultValue { name: 'switchyard', version: '0.1.0' } */
  serverInfo?: Implementation;
  /** Told of every tools/call (metrics, events, audit); it must not throw. @defaultValue none */
  observeCall?: CallObserver;
}

/** How a call ended, as a front saw it. */
export interface ObservedOutcome {
  outcome: 'ok' | 'tool_error' | 'error';
  /** The tool's error text, or why the call did not run. */
  error?: string;
  /** With outcome `error`: the error's code (`upstream_unavailable`, `not_found`, …). */
  errorKind?: string;
}

/** Called when a call starts; the function it returns is called once when the call settled. */
export type CallObserver = (call: {
  tool: string;
  server: string | null;
  arguments: Record<string, unknown>;
  /** Who called: the API key's name when the transport authenticated the request (`authInfo.clientId`). */
  caller?: string;
}) => (outcome: ObservedOutcome) => void;

/** One front instance: a low-level SDK server for one client session, and its cleanup. */
export interface FrontInstance {
  server: Server;
  cleanup(): Promise<void>;
}

/**
 * The bridge as an MCP server, for one client session (stdio has one, Streamable HTTP one per
 * session). Lists come from the catalog as they are; calls are relayed with the client's
 * cancellation, its own progress token and the configured timeout. A tool that fails to run
 * (unknown name, upstream down, timeout) is an `isError` result a model can read, not a
 * protocol error. `list_changed` notifications come from the hub (see {@link FrontHub.watch}).
 */
export function createFrontServer(options: FrontServerOptions): FrontInstance {
  const { catalog, hub } = options;
  const log = (options.logger ?? silentLogger).child({ component: 'front' });
  const server = new Server(options.serverInfo ?? { name: 'switchyard', version: '0.1.0' }, {
    capabilities: {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
    },
  });
  const session = hub.open(server);
  const base = (signal: AbortSignal): CatalogCallOptions => ({
    signal,
    ...(options.callTimeoutMs !== undefined ? { timeoutMs: options.callTimeoutMs } : {}),
    ...(options.maxTotalTimeoutMs !== undefined ? { maxTotalTimeoutMs: options.maxTotalTimeoutMs } : {}),
  });

  // The first lists wait until the servers of the configuration are up: a one-shot client asks
  // once, and would otherwise see only the servers that happened to be quick.
  const ready = options.ready?.catch(() => undefined) ?? Promise.resolve();
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await ready;
    return { tools: catalog.listTools().map((tool) => tool.definition) };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name, arguments: args = {}, _meta } = request.params;
    const { progressToken, ...meta } = _meta ?? {};
    await ready;
    const tool = catalog.findTool(name);
    const callOptions: CatalogCallOptions = {
      ...base(extra.signal),
      ...(Object.keys(meta).length > 0 ? { meta } : {}),
    };
    if (progressToken !== undefined) {
      // The upstream gets the bridge's own token (the SDK client makes one per request); each of
      // its notifications goes back to this client under the token this client chose.
      callOptions.onprogress = (progress) => {
        extra
          .sendNotification({ method: 'notifications/progress', params: { ...progress, progressToken } })
          .catch((error: unknown) => log.debug({ err: error, tool: name }, 'progress relay failed'));
      };
      callOptions.resetTimeoutOnProgress = options.resetTimeoutOnProgress ?? true;
    }
    const end =
      tool && !tool.local
        ? hub.beginCall({ session, requestId: extra.requestId, server: tool.server })
        : undefined;
    const caller = extra.authInfo?.clientId;
    const settle = options.observeCall?.({
      tool: name,
      server: tool?.server ?? null,
      arguments: args,
      ...(caller ? { caller } : {}),
    });
    try {
      const result = await catalog.callTool(name, args, callOptions);
      settle?.(result.isError ? { outcome: 'tool_error', error: firstText(result) } : { outcome: 'ok' });
      return result;
    } catch (error) {
      // A model must see why its call did not run, as a tool result it can act on.
      const message = error instanceof Error ? error.message : String(error);
      if (!extra.signal.aborted) log.info({ err: error, tool: name }, 'tool call failed');
      const code = (error as { code?: unknown } | null)?.code;
      settle?.({
        outcome: 'error',
        error: message,
        errorKind: extra.signal.aborted ? 'aborted' : typeof code === 'string' ? code : 'internal',
      });
      return { isError: true, content: [{ type: 'text', text: message }] };
    } finally {
      end?.();
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    await ready;
    return { resources: catalog.listResources().map((resource) => resource.definition) };
  });
  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => {
    await ready;
    return { resourceTemplates: catalog.listResourceTemplates().map((template) => template.definition) };
  });
  server.setRequestHandler(ReadResourceRequestSchema, (request, extra) =>
    catalog.readResource(request.params.uri, base(extra.signal)),
  );
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    await hub.subscribe(session, request.params.uri, catalog);
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    await hub.unsubscribe(session, request.params.uri, catalog);
    return {};
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => {
    await ready;
    return { prompts: catalog.listPrompts().map((prompt) => prompt.definition) };
  });
  server.setRequestHandler(GetPromptRequestSchema, (request, extra) =>
    catalog.getPrompt(request.params.name, request.params.arguments ?? {}, base(extra.signal)),
  );
  server.setRequestHandler(CompleteRequestSchema, (request, extra) =>
    catalog.complete(request.params, base(extra.signal)),
  );

  // Replaces the SDK's own handler: levels are kept per session here and passed upstream.
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    hub.setLevel(session, request.params.level);
    return {};
  });

  let cleaned: Promise<void> | undefined;
  return {
    server,
    cleanup: () => (cleaned ??= hub.close(session, catalog)),
  };
}

/** The first text of a result (cut to 1000 characters), as an observed tool error. */
function firstText(result: CallToolResult): string | undefined {
  for (const item of result.content ?? []) if (item.type === 'text') return item.text.slice(0, 1000);
  return undefined;
}
