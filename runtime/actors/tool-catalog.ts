import type { CallToolResult, Tool } from '@modelcontextprotocol/server';

export interface ToolProgress {
  progress: number;
  total?: number;
  message?: string;
}

/** The run a tool call is made for: the catalog names it as the caller (audit rows, records). */
export interface ToolCallRun {
  runId: string;
  agent: string;
  /** Who submitted the run (an API key's name), when known. */
  requestedBy?: string;
}

export interface ToolCallOptions {
  /** Aborting sends `notifications/cancelled` to the server running the tool. */
  signal?: AbortSignal;
  /** The run making the call. */
  run?: ToolCallRun;
  /** @defaultValue the catalog's per-server call timeout */
  timeoutMs?: number;
  onProgress?: (progress: ToolProgress) => void;
}

/**
 * The tools an agent may use: the bridge's merged catalog implements it (with exposed names like
 * `crm__get_account`). Annotations (`idempotentHint`, `readOnlyHint`) are what the runtime reads to
 * decide whether an interrupted call may be repeated.
 */
export interface ToolCatalog {
  /**
   * Tool definitions under their exposed names. A tool of a server that is down stays listed
   * (`_meta['switchyard/available'] === false`) and a call to it fails with the server's state.
   */
  listTools(): Tool[];
  /**
   * Calls a tool. A tool's own failure is a result with `isError: true`; an unknown tool or an
   * unreachable server throws.
   */
  callTool(name: string, args: Record<string, unknown>, options?: ToolCallOptions): Promise<CallToolResult>;
  /**
   * True for a tool that an agent policy's glob never grants (`*` does not reach it): only its
   * exact name in `allowTools` does. The bridge's own task tools are such: a run that starts or
   * reads runs must say so by name. @defaultValue every tool may be granted by a glob
   */
  grantedOnlyByName?(name: string): boolean;
}
