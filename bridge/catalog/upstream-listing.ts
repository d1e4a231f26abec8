import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import type { SupervisedUpstream } from '../fleet/supervised-upstream.js';
import type { CatalogKind } from './catalog-entries.js';

/** What the catalog caches of one upstream; a list is undefined until it was fetched once. */
export interface UpstreamListing {
  tools?: Tool[];
  resources?: Resource[];
  templates?: ResourceTemplateType[];
  prompts?: Prompt[];
}

/** A bound on pages, against a server whose cursor never ends. */
const MAX_PAGES = 100;

/**
 * Fetches one kind of list from an upstream, every page. A kind the server did not declare in
 * its capabilities is an empty list (asking would only earn a "method not found").
 */
export async function fetchListing(
  upstream: SupervisedUpstream,
  kind: CatalogKind,
  timeoutMs?: number,
): Promise<UpstreamListing> {
  const capabilities = upstream.serverCapabilities ?? {};
  const options = timeoutMs === undefined ? {} : { timeoutMs };
  if (kind === 'tools') {
    if (!capabilities.tools) return { tools: [] };
    return {
      tools: await paginate(
        (cursor) => upstream.listTools({ cursor }, options),
        (page) => page.tools,
      ),
    };
  }
  if (kind === 'prompts') {
    if (!capabilities.prompts) return { prompts: [] };
    return {
      prompts: await paginate(
        (cursor) => upstream.listPrompts({ cursor }, options),
        (page) => page.prompts,
      ),
    };
  }
  if (!capabilities.resources) return { resources: [], templates: [] };
  const [resources, templates] = await Promise.all([
    paginate(
      (cursor) => upstream.listResources({ cursor }, options),
      (page) => page.resources,
    ),
    paginate(
      (cursor) => upstream.listResourceTemplates({ cursor }, options),
      (page) => page.resourceTemplates,
    ),
  ]);
  return { resources, templates };
}

async function paginate<P extends { nextCursor?: string | undefined }, T>(
  fetchPage: (cursor: string | undefined) => Promise<P>,
  items: (page: P) => T[],
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await fetchPage(cursor);
    all.push(...items(result));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return all;
}
