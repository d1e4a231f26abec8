import { FrontHub, type FrontHubOptions } from '#bridge/front';
import { silentLogger } from '#core';
import { type ComposeCatalogOptions, type ComposedCatalog, composeCatalog } from './compose-catalog.js';

export interface ComposeBridgeOptions extends Omit<ComposeCatalogOptions, 'relay'> {
  /** How the front relays sampling and elicitation (see FrontHub). @defaultValue both relayed */
  front?: Omit<FrontHubOptions, 'logger'>;
}

/** The bridge's parts, composed and started; `close()` ends them in the right order. */
export interface ComposedBridge extends ComposedCatalog {
  /** Shared by every front session (stdio, HTTP): the fleet's relays of sampling, logs, updates. */
  hub: FrontHub;
}

/**
 * The MCP bridge: the fleet and its catalog (composeCatalog) with the front hub that relays the
 * upstreams' sampling, elicitation, logs and list changes to the clients of the fronts. What
 * `switchyard start` and `switchyard mcp` serve; the SQL store, when given, stays the caller's.
 */
export async function composeBridge(options: ComposeBridgeOptions): Promise<ComposedBridge> {
  const logger = options.logger ?? silentLogger;
  const hub = new FrontHub({ ...options.front, logger });
  const composed = await composeCatalog({ ...options, relay: hub });
  const unwatch = hub.watch(composed.catalog);
  let closing: Promise<void> | undefined;
  return {
    ...composed,
    hub,
    close: () =>
      (closing ??= (async () => {
        unwatch();
        await composed.close();
      })()),
  };
}
