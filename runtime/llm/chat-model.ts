/**
 * The one interface agents meet language models at. Providers (`openai`, `anthropic`, any
 * OpenAI-compatible server) translate it to their wire format; agents never see a provider's types.
 *
 * Messages are provider-neutral: an assistant turn carries its text and the tool calls it asked
 * for; each tool result is its own `tool` message naming the call it answers.
 */

/** A JSON Schema object, as MCP tools give them (`inputSchema`). */
export type JsonSchema = Record<string, unknown>;

export interface ToolCallRequest {
  /** The provider's id of this call; the matching `tool` message names it. */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCallRequest[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

export interface ChatToolSpec {
  /** Must match `^[a-zA-Z0-9_-]{1,64}$` (both providers require it; catalog names do). */
  name: string;
  description?: string;
  inputSchema: JsonSchema;
}

export interface ChatRequest {
  messages: ChatMessage[];
  tools?: ChatToolSpec[];
  /** @defaultValue the provider's configured default */
  maxTokens?: number;
  temperature?: number;
  /** Aborts the request (and its retries) — how a cancelled run stops a model call. */
  signal?: AbortSignal;
}

/** Why the model stopped, normalized across providers. */
export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'other';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResponse {
  message: Extract<ChatMessage, { role: 'assistant' }>;
  stopReason: StopReason;
  usage: TokenUsage;
  /** The model that answered, as the provider reported it. */
  model: string;
  /** Cost of this request in USD from the price table; undefined when the model has no price. */
  costUsd?: number;
  /** How many attempts the request took (1 = no retry). */
  attempts: number;
}

/** Streamed pieces of one response; the last event is always `done` with the whole response. */
export type ChatStreamEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; call: ToolCallRequest }
  | { type: 'done'; response: ChatResponse };

export interface ChatModel {
  /** `openai`, `anthropic`, or the name of an OpenAI-compatible provider from config. */
  readonly provider: string;
  /** The model id requests use. */
  readonly model: string;
  chat(request: ChatRequest): Promise<ChatResponse>;
  /** Optional: providers that stream implement it; callers fall back to {@link chat}. */
  stream?(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
}
