import { z } from 'zod';
import type { ChatMessage, ChatToolSpec, StopReason, ToolCallRequest } from './chat-model.js';
import { ModelBadOutputError, type ModelErrorContext, preview } from './model-errors.js';
import {
  parseToolArguments,
  type ParsedTurn,
  type StreamPiece,
  type StreamReader,
} from './provider-common.js';

type Context = Pick<ModelErrorContext, 'provider' | 'model'>;

/**
 * Translation between {@link ChatMessage}s and the OpenAI chat.completions wire format, which
 * OpenAI-compatible servers (vLLM, Ollama, llama.cpp) speak too, some of them loosely: the
 * response schema accepts what those servers are known to leave out (usage, tool call ids).
 */

/** A tool result flagged `isError` is sent with this prefix: the format has no error flag. */
export const TOOL_ERROR_PREFIX = '[tool error] ';

export type OpenAIWireMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
    }
  | { role: 'tool'; tool_call_id: string; content: string };

export interface OpenAIWireTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export function toOpenAIMessages(messages: ChatMessage[]): OpenAIWireMessage[] {
  return messages.map((message): OpenAIWireMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant': {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: 'assistant', content: message.content };
        return {
          role: 'assistant',
          // OpenAI wants null, not '', next to tool calls; some compatible servers reject ''.
          content: message.content === '' ? null : message.content,
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.arguments) },
          })),
        };
      }
      case 'tool':
        return {
          role: 'tool',
          tool_call_id: message.toolCallId,
          content: message.isError ? `${TOOL_ERROR_PREFIX}${message.content}` : message.content,
        };
    }
  });
}

export function toOpenAITools(tools: ChatToolSpec[]): OpenAIWireTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.inputSchema,
    },
  }));
}

const ToolCallSchema = z.object({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.object({ name: z.string().min(1), arguments: z.string().nullish() }),
});

export const OpenAIResponseSchema = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        finish_reason: z.string().nullish(),
        message: z.object({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
        }),
      }),
    )
    .min(1, 'expected at least one choice'),
  usage: z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});
export type OpenAIResponse = z.output<typeof OpenAIResponseSchema>;

/**
 * Reads a chat.completions response body. Throws {@link ModelBadOutputError} when the body is not
 * one, or a tool call's arguments are not a JSON object.
 */
export function fromOpenAIResponse(body: unknown, context: Context): ParsedTurn {
  const parsed = OpenAIResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new ModelBadOutputError(
      context,
      `not a chat.completions response: ${z.prettifyError(parsed.error)}; got ${preview(body)}`,
    );
  const choice = parsed.data.choices[0]!;
  const toolCalls = (choice.message.tool_calls ?? []).map((call, index) =>
    parseToolArguments(
      context,
      call.id || `call_${index}`,
      call.function.name,
      call.function.arguments ?? '',
    ),
  );
  const refusal = choice.message.refusal;
  return {
    content: choice.message.content ?? refusal ?? '',
    toolCalls,
    stopReason: refusal ? 'refusal' : toStopReason(choice.finish_reason ?? undefined, toolCalls.length > 0),
    usage: {
      inputTokens: parsed.data.usage?.prompt_tokens ?? 0,
      outputTokens: parsed.data.usage?.completion_tokens ?? 0,
    },
    model: parsed.data.model ?? undefined,
  };
}

/** A finish_reason → {@link StopReason}; tool calls win over `stop` (Ollama and llama.cpp say `stop`). */
export function toStopReason(finishReason: string | undefined, hasToolCalls: boolean): StopReason {
  if (finishReason === 'length') return 'max_tokens';
  if (hasToolCalls || finishReason === 'tool_calls' || finishReason === 'function_call') return 'tool_use';
  if (finishReason === 'stop') return 'end_turn';
  if (finishReason === 'content_filter') return 'refusal';
  return 'other';
}

const ChunkSchema = z.object({
  model: z.string().nullish(),
  choices: z
    .array(
      z.object({
        delta: z
          .object({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.object({
                  index: z.number().int().min(0),
                  id: z.string().nullish(),
                  function: z
                    .object({ name: z.string().nullish(), arguments: z.string().nullish() })
                    .nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z.object({ prompt_tokens: z.number().nullish(), completion_tokens: z.number().nullish() }).nullish(),
});

/**
 * Reads `chat.completion.chunk`s: text deltas go out as they come; a tool call's pieces (id and
 * name first, then `arguments` in fragments, keyed by `index`) are joined and go out at the end,
 * when their arguments are whole. Usage arrives in a last chunk with no choices
 * (`stream_options.include_usage`); servers that do not send it leave usage at zero.
 */
export class OpenAIStreamReader implements StreamReader {
  readonly #context: Context;
  #content = '';
  #refusal = '';
  #finishReason: string | undefined;
  #model: string | undefined;
  #usage = { inputTokens: 0, outputTokens: 0 };
  readonly #calls = new Map<number, { id: string; name: string; arguments: string }>();

  constructor(context: Context) {
    this.#context = context;
  }

  push(chunk: unknown): StreamPiece[] {
    const parsed = ChunkSchema.safeParse(chunk);
    if (!parsed.success)
      throw new ModelBadOutputError(
        this.#context,
        `not a chat.completion.chunk: ${z.prettifyError(parsed.error)}; got ${preview(chunk)}`,
      );
    const { model, choices, usage } = parsed.data;
    if (model) this.#model = model;
    if (usage)
      this.#usage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
    const pieces: StreamPiece[] = [];
    const choice = choices?.[0];
    if (!choice) return pieces;
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
    const delta = choice.delta;
    if (delta?.content) {
      this.#content += delta.content;
      pieces.push({ type: 'text', delta: delta.content });
    }
    if (delta?.refusal) this.#refusal += delta.refusal;
    for (const part of delta?.tool_calls ?? []) {
      const call = this.#calls.get(part.index) ?? { id: '', name: '', arguments: '' };
      if (part.id) call.id = part.id;
      if (part.function?.name) call.name += part.function.name;
      if (part.function?.arguments) call.arguments += part.function.arguments;
      this.#calls.set(part.index, call);
    }
    return pieces;
  }

  finish(): { events: StreamPiece[]; turn: ParsedTurn } {
    if (this.#finishReason === undefined)
      throw new ModelBadOutputError(this.#context, 'the stream ended before a finish_reason');
    const toolCalls: ToolCallRequest[] = [...this.#calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, call]) => {
        if (call.name === '')
          throw new ModelBadOutputError(this.#context, `streamed tool call #${index} has no function name`);
        return parseToolArguments(this.#context, call.id || `call_${index}`, call.name, call.arguments);
      });
    const refused = this.#refusal !== '';
    return {
      events: toolCalls.map((call) => ({ type: 'tool_call', call })),
      turn: {
        content: this.#content || this.#refusal,
        toolCalls,
        stopReason: refused ? 'refusal' : toStopReason(this.#finishReason, toolCalls.length > 0),
        usage: this.#usage,
        model: this.#model,
      },
    };
  }
}
