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
import { CatalogNotFoundError } from './catalog-errors.js';
import type { CatalogReader } from './catalog-reader.js';
import { compileNameFilter, type NameFilter } from './tool-names.js';

/**
 * One client's view of a catalog: tools and prompts whose exposed names pass the filter (globs
 * over exposed names, deny wins). A name outside it is "not found", exactly as one that does not
 * exist, so a client learns nothing of what it may not use. Resources are not filtered.
 */
export class CatalogView implements CatalogReader {
  private readonly allowed: (name: string) => boolean;

  constructor(
    private readonly catalog: CatalogReader,
    filter: NameFilter,
  ) {
    this.allowed = compileNameFilter(filter);
  }

  listTools(): CatalogTool[] {
    return this.catalog.listTools().filter((tool) => this.allowed(tool.name));
  }

  findTool(name: string): CatalogTool | undefined {
    return this.allowed(name) ? this.catalog.findTool(name) : undefined;
  }

  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: CatalogCallOptions,
  ): Promise<CallToolResult> {
    if (!this.allowed(name))
      return Promise.reject(
        new CatalogNotFoundError(
          'tool',
          name,
          this.listTools().map((t) => t.name),
        ),
      );
    return this.catalog.callTool(name, args, options);
  }

  listResources(): CatalogResource[] {
    return this.catalog.listResources();
  }

  listResourceTemplates(): CatalogResourceTemplate[] {
    return this.catalog.listResourceTemplates();
  }

  readResource(uri: string, options?: CatalogCallOptions): Promise<ReadResourceResult> {
    return this.catalog.readResource(uri, options);
  }

  subscribeResource(uri: string, options?: CatalogCallOptions): Promise<void> {
    return this.catalog.subscribeResource(uri, options);
  }

  unsubscribeResource(uri: string, options?: CatalogCallOptions): Promise<void> {
    return this.catalog.unsubscribeResource(uri, options);
  }

  listPrompts(): CatalogPrompt[] {
    return this.catalog.listPrompts().filter((prompt) => this.allowed(prompt.name));
  }

  findPrompt(name: string): CatalogPrompt | undefined {
    return this.allowed(name) ? this.catalog.findPrompt(name) : undefined;
  }

  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: CatalogCallOptions,
  ): Promise<GetPromptResult> {
    if (!this.allowed(name))
      return Promise.reject(
        new CatalogNotFoundError(
          'prompt',
          name,
          this.listPrompts().map((p) => p.name),
        ),
      );
    return this.catalog.getPrompt(name, args, options);
  }

  complete(params: CompleteRequest['params'], options?: CatalogCallOptions): Promise<CompleteResult> {
    if (params.ref.type === 'ref/prompt' && !this.allowed(params.ref.name))
      return Promise.reject(new CatalogNotFoundError('prompt', params.ref.name));
    return this.catalog.complete(params, options);
  }

  onChanged(listener: (change: CatalogChange) => void): () => void {
    return this.catalog.onChanged(listener);
  }
}
