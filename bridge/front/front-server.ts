import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/server';
import type { CallToolResult, Implementation, AuthInfo } from '@modelcontextprotocol/server';
import type { Caller } from '../access/caller.js';
import type { CatalogCallOptions } from '../catalog/catalog-entries.js';
import type { ElicitationAnswer } from '../catalog/client-elicitation.js';
import type { CatalogReader } from '../catalog/catalog-reader.js';
import { type Logger, silentLogger } from '#core';
import type { FrontHub } from './front-hub.js';
import { firstText } from '../catalog/first-text.js';
import { describeToolCallFailure, toolErrorResult } from '../catalog/tool-call-failure.js';

/** A person answers an elicitation; ten minutes, as the relayed ones (front-hub.ts). */
const DEFAULT_ELICIT_TIMEOUT_MS = 10 * 60_000;

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
  /** How long a question put to the client's person (an elicitation) may wait. @defaultValue 10 minutes */
  elicitTimeoutMs?: number;
  /** The list requests wait for it (see ComposedBridge.ready). @defaultValue none */
  ready?: Promise<void>;
  /** @defaultValue { name: 'switchyard', version: '0.1.0' } */
  serverInfo?: Implementation;
  /** Told of every tools/call (metrics, events, audit); it must not throw. @defaultValue none */
  observeCall?: CallObserver;
  /**
   * Who makes a request, from what the transport authenticated (`authInfo`, set by the HTTP
   * guard from the API key; absent over stdio and on an open API). The caller goes down to the
   * tools: Switchyard's own tools check its scopes. @defaultValue no caller (tools that need a
   * scope refuse every call)
   */
  callerOf?: (authInfo: AuthInfo | undefined) => Caller | undefined;
}

/** How a call ended, as a front saw it. */
export interface ObservedOutcome {
  outcome: 'ok' | 'tool_error' | 'error';
  /** The tool's error text, or why the call did not run. */
  error?: string;
  /** With outcome `error`: the error's code (`upstream_unavailable`, `not_found`, …). */
  errorKind?: string;
}

/**
 * Called when an audited operation starts; the function it returns is called once when it
 * settled. Operations: `tools/call` (tool = the tool's name), and the other requests that read
 * data through the bridge: `resources/read` (tool = the URI), `prompts/get` (the prompt's name),
 * `completion/complete` (the prompt's name or the resource template completed).
 */
export type CallObserver = (call: {
  /** @defaultValue 'tools/call' */
  operation?: 'tools/call' | 'resources/read' | 'prompts/get' | 'completion/complete';
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
  const base = (signal: AbortSignal, authInfo: AuthInfo | undefined): CatalogCallOptions => {
    const caller = options.callerOf?.(authInfo);
    return {
      signal,
      ...(caller ? { caller } : {}),
      ...(options.callTimeoutMs !== undefined ? { timeoutMs: options.callTimeoutMs } : {}),
      ...(options.maxTotalTimeoutMs !== undefined ? { maxTotalTimeoutMs: options.maxTotalTimeoutMs } : {}),
    };
  };

  // The first lists wait until the servers of the configuration are up: a one-shot client asks
  // once, and would otherwise see only the servers that happened to be quick.
  const ready = options.ready?.catch(() => undefined) ?? Promise.resolve();
  server.setRequestHandler('tools/list', async () => {
    await ready;
    return { tools: catalog.listTools().map((tool) => tool.definition) };
  });

  server.setRequestHandler('tools/call', async (request, ctx): Promise<CallToolResult> => {
    const { name, arguments: args = {}, _meta } = request.params;
    const { progressToken, ...meta } = _meta ?? {};
    await ready;
    const tool = catalog.findTool(name);
    const callOptions: CatalogCallOptions = {
      ...base(ctx.mcpReq.signal, ctx.http?.authInfo),
      ...(Object.keys(meta).length > 0 ? { meta } : {}),
    };
    // A client that declared elicitation (form mode) can be asked by a local tool, on this call's
    // own request: the question reaches exactly this client (a run's approval, bridge/tasks).
    const elicitation = server.getClientCapabilities()?.elicitation;
    if (elicitation && (elicitation.form !== undefined || Object.keys(elicitation).length === 0)) {
      callOptions.elicit = (params, signal) =>
        // Our request is the wire shape (a flat object of primitive fields); the SDK's type lists
        // each primitive's schema, which adds nothing here.
        ctx.mcpReq.elicitInput({ mode: 'form', ...params } as never, {
          signal,
          timeout: options.elicitTimeoutMs ?? DEFAULT_ELICIT_TIMEOUT_MS,
        }) as Promise<ElicitationAnswer>;
    }
    if (progressToken !== undefined) {
      // The upstream gets the bridge's own token (the SDK client makes one per request); each of
      // its notifications goes back to this client under the token this client chose.
      callOptions.onprogress = (progress) => {
        ctx.mcpReq
          .notify({ method: 'notifications/progress', params: { ...progress, progressToken } })
          .catch((error: unknown) => log.debug({ err: error, tool: name }, 'progress relay failed'));
      };
      callOptions.resetTimeoutOnProgress = options.resetTimeoutOnProgress ?? true;
    }
    const end =
      tool && !tool.local
        ? hub.beginCall({
            session,
            requestId: ctx.mcpReq.id,
            server: tool.server,
            owner: callOptions.caller?.name,
          })
        : undefined;
    const caller = ctx.http?.authInfo?.clientId;
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
      // A model must see why its call did not run, as a tool result it can act on, with the code
      // REST answers for the same failure (describeToolCallFailure). An unknown failure is a bug
      // of ours whose text (paths, SQL) is for the log, not the client.
      const failure = describeToolCallFailure(error);
      const incident = failure.known ? undefined : randomUUID();
      if (!failure.known) {
        failure.message = `internal error; the server log has the detail under incident id ${incident}`;
        failure.details = { incident };
      }
      if (!ctx.mcpReq.signal.aborted)
        log[failure.known ? 'info' : 'error']({ err: error, tool: name, incident }, 'tool call failed');
      settle?.({
        outcome: 'error',
        error: failure.message,
        errorKind: ctx.mcpReq.signal.aborted ? 'aborted' : failure.code,
      });
      return toolErrorResult(failure, { structured: tool?.definition.outputSchema === undefined });
    } finally {
      end?.();
    }
  });

  server.setRequestHandler('resources/list', async () => {
    await ready;
    return { resources: catalog.listResources().map((resource) => resource.definition) };
  });
  server.setRequestHandler('resources/templates/list', async () => {
    await ready;
    return { resourceTemplates: catalog.listResourceTemplates().map((template) => template.definition) };
  });
  /**
   * Runs a request that reads data through the bridge under the observer (an audit row): `what`
   * names it, `server` is the upstream that answers (null when unknown). A failure is rethrown.
   */
  const observed = async <T>(
    what: {
      operation: 'resources/read' | 'prompts/get' | 'completion/complete';
      tool: string;
      server: string | null;
    },
    args: Record<string, unknown>,
    authInfo: AuthInfo | undefined,
    work: () => Promise<T>,
  ): Promise<T> => {
    const caller = authInfo?.clientId;
    const settle = options.observeCall?.({ ...what, arguments: args, ...(caller ? { caller } : {}) });
    try {
      const value = await work();
      settle?.({ outcome: 'ok' });
      return value;
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      settle?.({
        outcome: 'error',
        error: error instanceof Error ? error.message : String(error),
        errorKind: typeof code === 'string' ? code : 'internal',
      });
      throw error;
    }
  };

  server.setRequestHandler('resources/read', (request, ctx) => {
    const { uri } = request.params;
    const server = catalog.listResources().find((resource) => resource.uri === uri)?.server ?? null;
    return observed({ operation: 'resources/read', tool: uri, server }, {}, ctx.http?.authInfo, () =>
      catalog.readResource(uri, base(ctx.mcpReq.signal, ctx.http?.authInfo)),
    );
  });
  server.setRequestHandler('resources/subscribe', async (request) => {
    await hub.subscribe(session, request.params.uri, catalog);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async (request) => {
    await hub.unsubscribe(session, request.params.uri, catalog);
    return {};
  });

  server.setRequestHandler('prompts/list', async () => {
    await ready;
    return { prompts: catalog.listPrompts().map((prompt) => prompt.definition) };
  });
  server.setRequestHandler('prompts/get', (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    const server = catalog.findPrompt(name)?.server ?? null;
    return observed({ operation: 'prompts/get', tool: name, server }, args, ctx.http?.authInfo, () =>
      catalog.getPrompt(name, args, base(ctx.mcpReq.signal, ctx.http?.authInfo)),
    );
  });
  server.setRequestHandler('completion/complete', (request, ctx) => {
    const { ref, argument } = request.params;
    const target = ref.type === 'ref/prompt' ? ref.name : ref.uri;
    const server = ref.type === 'ref/prompt' ? (catalog.findPrompt(ref.name)?.server ?? null) : null;
    return observed(
      { operation: 'completion/complete', tool: target, server },
      { argument },
      ctx.http?.authInfo,
      () => catalog.complete(request.params, base(ctx.mcpReq.signal, ctx.http?.authInfo)),
    );
  });

  // Replaces the SDK's own handler: levels are kept per session here and passed upstream.
  server.setRequestHandler('logging/setLevel', (request) => {
    hub.setLevel(session, request.params.level);
    return {};
  });

  let cleaned: Promise<void> | undefined;
  return {
    server,
    cleanup: () => (cleaned ??= hub.close(session, catalog)),
  };
}
