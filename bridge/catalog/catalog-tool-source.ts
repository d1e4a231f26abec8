import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallOptions, ToolCatalog } from '../../runtime/actors/tool-catalog.js';
import type { CatalogReader } from './catalog-reader.js';

/** The merged catalog as the runtime's {@link ToolCatalog}: what agents call tools through. */
export function toolCatalogOf(reader: CatalogReader): ToolCatalog {
  return {
    listTools: (): Tool[] => reader.listTools().map((tool) => tool.definition),
    callTool: (
      name: string,
      args: Record<string, unknown>,
      options: ToolCallOptions = {},
    ): Promise<CallToolResult> =>
      reader.callTool(name, args, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.onProgress ? { onprogress: options.onProgress } : {}),
      }),
  };
}
