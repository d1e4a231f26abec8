import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { ToolExtra } from '#runtime/mcp';
import type { CallOptions } from './call-context.js';
import { pageInfo } from './pagination.js';
import { type GitHubToolDeps, page, pageInfoShape, perPage } from './schemas.js';
import { searchHint, searchQuery } from './search-query.js';
import { dataResult, errorResult } from './tool-result.js';

/** What GitHub's search endpoints answer, as far as the tools read it. */
interface SearchResponse<Item> {
  data: { total_count: number; incomplete_results: boolean; items: Item[] };
  headers: Record<string, string | number | undefined>;
}

export interface SearchParams extends CallOptions {
  q: string;
  sort?: string;
  order?: 'asc' | 'desc';
  page: number;
  per_page: number;
}

/** One of GitHub's search endpoints as a tool: everything that differs between them. */
export interface SearchToolSpec<Item> {
  name: string;
  title: string;
  description: string;
  /** An example query for the `query` field's description. */
  example: string;
  /** GitHub's sort fields for this endpoint; none = best match only. */
  sorts?: readonly [string, ...string[]];
  itemSchema: z.ZodType;
  search(deps: GitHubToolDeps, params: SearchParams): Promise<SearchResponse<Item>>;
  summarize(item: Item): unknown;
}

/**
 * Registers a search tool: one page of results with total_count, incomplete_results and the
 * page info, and GitHub's search errors turned into hints (see search-query.ts).
 */
export function searchTool<Item>(server: McpServer, deps: GitHubToolDeps, spec: SearchToolSpec<Item>): void {
  const sorting: z.ZodRawShape = spec.sorts
    ? {
        sort: z.enum(spec.sorts).optional().describe('Sort field; best match when left out'),
        order: z.enum(['asc', 'desc']).optional().describe('Sort order with `sort`; default desc'),
      }
    : {};
  server.registerTool(
    spec.name,
    {
      title: spec.title,
      description: spec.description,
      inputSchema: z.object({
        query: searchQuery.describe(`Words and qualifiers, e.g. "${spec.example}"`),
        ...sorting,
        page,
        perPage,
      }),
      outputSchema: z.object({
        total_count: z.number().int(),
        incomplete_results: z.boolean().describe('GitHub timed out and the results may be partial'),
        items: z.array(spec.itemSchema),
        ...pageInfoShape,
      }),
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (input: Record<string, unknown>, ctx: ToolExtra) => {
      const { query, sort, order } = input as { query: string; sort?: string; order?: 'asc' | 'desc' };
      const pageNumber = input['page'] as number;
      const size = input['perPage'] as number;
      try {
        const { data, headers } = await spec.search(deps, {
          q: query,
          ...(sort === undefined ? {} : { sort }),
          ...(order === undefined ? {} : { order }),
          page: pageNumber,
          per_page: size,
          ...deps.call(ctx),
        });
        return dataResult({
          total_count: data.total_count,
          incomplete_results: data.incomplete_results,
          items: data.items.map((item) => spec.summarize(item)),
          ...pageInfo(headers, pageNumber, size),
        });
      } catch (error) {
        return errorResult(error, spec.name, deps, searchHint);
      }
    },
  );
}
