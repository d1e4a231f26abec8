import type {
  CallToolResult,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  ReadResourceResult,
} from '@modelcontextprotocol/server';
import type {
  CatalogCallOptions,
  CatalogChange,
  CatalogPrompt,
  CatalogResource,
  CatalogResourceTemplate,
  CatalogTool,
} from './catalog-entries.js';

/**
 * What the front (MCP server) and the HTTP API need of a catalog: listing and routing. Both the
 * whole {@link Catalog} and a per-client {@link CatalogView} provide it.
 */
export interface CatalogReader {
  listTools(): CatalogTool[];
  findTool(name: string): CatalogTool | undefined;
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: CatalogCallOptions,
  ): Promise<CallToolResult>;
  listResources(): CatalogResource[];
  listResourceTemplates(): CatalogResourceTemplate[];
  readResource(uri: string, options?: CatalogCallOptions): Promise<ReadResourceResult>;
  subscribeResource(uri: string, options?: CatalogCallOptions): Promise<void>;
  unsubscribeResource(uri: string, options?: CatalogCallOptions): Promise<void>;
  listPrompts(): CatalogPrompt[];
  findPrompt(name: string): CatalogPrompt | undefined;
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: CatalogCallOptions,
  ): Promise<GetPromptResult>;
  complete(params: CompleteRequest['params'], options?: CatalogCallOptions): Promise<CompleteResult>;
  /** Calls `listener` after the merged lists changed; returns the function that stops it. */
  onChanged(listener: (change: CatalogChange) => void): () => void;
}
