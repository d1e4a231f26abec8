import { z } from 'zod';
import type { ChatMessage, ChatToolSpec, StopReason, ToolCallRequest } from './chat-model.js';
import { ModelBadOutputError, type ModelErrorContext, preview } from './model-errors.js';
import {
  parseToolArguments,
  type ParsedTurn,
  type StreamPiece,
  type StreamReader,
} from './provider-common.js';

/**
 * Translation between {@link ChatMessage}s and the Anthropic Messages API: the system prompt
 * travels apart from the turns, tool calls are `tool_use` blocks of the assistant turn, and tool
 * results are `tool_result` blocks of the next user turn. Turns must alternate, so consecutive
 * messages of one side (several tool results, or tool results then a user note) merge into one turn.
 */

type Context = Pick<ModelErrorContext, 'provider' | 'model'>;

export type AnthropicWireBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content?: string; is_error?: boolean };

export interface AnthropicWireMessage {
  role: 'user' | 'assistant';
  content: AnthropicWireBlock[];
}

export interface AnthropicWireTool {
  name: string;
  description?: string;
  input_schema: { type: 'object'; [key: string]: unknown };
}

export function toAnthropicMessages(messages: ChatMessage[]): {
  system: string | undefined;
  messages: AnthropicWireMessage[];
} {
  const system: string[] = [];
  const turns: AnthropicWireMessage[] = [];
  for (const message of messages) {
    if (message.role === 'system') {
      system.push(message.content);
      continue;
    }
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message);
    // The API rejects empty turns and empty text blocks; a message with nothing to say is dropped.
    if (blocks.length === 0) continue;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  }
  for (const turn of turns) {
    // tool_result blocks must open their user turn, before any text.
    if (turn.role === 'user')
      turn.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return { system: system.length ? system.join('\n\n') : undefined, messages: turns };
}

function toBlocks(message: Exclude<ChatMessage, { role: 'system' }>): AnthropicWireBlock[] {
  switch (message.role) {
    case 'user':
      return message.content === '' ? [] : [{ type: 'text', text: message.content }];
    case 'assistant':
      return [
        ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
        ...(message.toolCalls ?? []).map((call) => ({
          type: 'tool_use' as const,
          id: call.id,
          name: call.name,
          input: call.arguments,
        })),
      ];
    case 'tool':
      return [
        {
          type: 'tool_result',
          tool_use_id: message.toolCallId,
          ...(message.content === '' ? {} : { content: message.content }),
          ...(message.isError ? { is_error: true } : {}),
        },
      ];
  }
}

export function toAnthropicTools(tools: ChatToolSpec[]): AnthropicWireTool[] {
  return tools.map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: { type: 'object', ...tool.inputSchema },
  }));
}

const BlockSchema = z.object({ type: z.string() });
const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() });
const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.unknown(),
});

export const AnthropicResponseSchema = z.object({
  model: z.string().nullish(),
  content: z.array(BlockSchema.loose()),
  stop_reason: z.string().nullish(),
  usage: z
    .object({
      input_tokens: z.number().nullish(),
      output_tokens: z.number().nullish(),
      cache_creation_input_tokens: z.number().nullish(),
      cache_read_input_tokens: z.number().nullish(),
    })
    .nullish(),
});

/** Reads a Messages API response body; throws {@link ModelBadOutputError} when it is not one. */
export function fromAnthropicResponse(body: unknown, context: Context): ParsedTurn {
  const parsed = AnthropicResponseSchema.safeParse(body);
  if (!parsed.success)
    throw new ModelBadOutputError(
      context,
      `not a Messages API response: ${z.prettifyError(parsed.error)}; got ${preview(body)}`,
    );
  const texts: string[] = [];
  const toolCalls: ToolCallRequest[] = [];
  for (const block of parsed.data.content) {
    if (block.type === 'text') {
      const text = TextBlockSchema.safeParse(block);
      if (!text.success)
        throw new ModelBadOutputError(context, `a text block has no text; got ${preview(block)}`);
      texts.push(text.data.text);
    } else if (block.type === 'tool_use') {
      const use = ToolUseBlockSchema.safeParse(block);
      if (!use.success)
        throw new ModelBadOutputError(context, `a tool_use block lacks id or name; got ${preview(block)}`);
      const { id, name, input } = use.data;
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new ModelBadOutputError(
          context,
          `input of tool call '${name}' (${id}) is not a JSON object; got ${preview(input)}`,
        );
      toolCalls.push({ id, name, arguments: input as Record<string, unknown> });
    }
    // Other blocks (thinking, server tool results) carry nothing the neutral message has room for.
  }
  const usage = parsed.data.usage;
  return {
    content: texts.join(''),
    toolCalls,
    stopReason: toAnthropicStopReason(parsed.data.stop_reason ?? undefined, toolCalls.length > 0),
    usage: { inputTokens: promptTokens(usage), outputTokens: usage?.output_tokens ?? 0 },
    model: parsed.data.model ?? undefined,
  };
}

export function toAnthropicStopReason(stopReason: string | undefined, hasToolCalls: boolean): StopReason {
  switch (stopReason) {
    case 'end_turn':
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
    case 'refusal':
      return stopReason;
    case 'model_context_window_exceeded':
      return 'max_tokens';
    default:
      return hasToolCalls ? 'tool_use' : 'other';
  }
}

type WireUsage = z.output<typeof AnthropicResponseSchema>['usage'];

/** Every prompt token the request used: cache writes and reads count too (priced alike here). */
function promptTokens(usage: WireUsage): number {
  return (
    (usage?.input_tokens ?? 0) +
    (usage?.cache_creation_input_tokens ?? 0) +
    (usage?.cache_read_input_tokens ?? 0)
  );
}

const StreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('message_start'),
    message: z.object({ model: z.string().nullish(), usage: AnthropicResponseSchema.shape.usage }),
  }),
  z.object({
    type: z.literal('content_block_start'),
    index: z.number().int().min(0),
    content_block: z.object({
      type: z.string(),
      id: z.string().nullish(),
      name: z.string().nullish(),
      text: z.string().nullish(),
    }),
  }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().int().min(0),
    delta: z.object({ type: z.string(), text: z.string().nullish(), partial_json: z.string().nullish() }),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int().min(0) }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullish() }),
    usage: z.object({ output_tokens: z.number().nullish(), input_tokens: z.number().nullish() }).nullish(),
  }),
  z.object({ type: z.literal('message_stop') }),
]);

/**
 * Reads Messages API stream events: `text_delta`s go out as they come; a `tool_use` block's
 * `input_json_delta` fragments are joined and the call goes out at its `content_block_stop`.
 * Event types this reader does not know (newer API features) are skipped.
 */
export class AnthropicStreamReader implements StreamReader {
  readonly #context: Context;
  readonly #blocks = new Map<number, { type: string; id: string; name: string; json: string }>();
  #content = '';
  readonly #toolCalls: ToolCallRequest[] = [];
  #model: string | undefined;
  #stopReason: string | undefined;
  #stopped = false;
  #inputTokens = 0;
  #outputTokens = 0;

  constructor(context: Context) {
    this.#context = context;
  }

  push(chunk: unknown): StreamPiece[] {
    const type = (chunk as { type?: unknown } | null)?.type;
    const known = [
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ];
    if (typeof type === 'string' && !known.includes(type)) return [];
    const parsed = StreamEventSchema.safeParse(chunk);
    if (!parsed.success)
      throw new ModelBadOutputError(
        this.#context,
        `not a Messages stream event: ${z.prettifyError(parsed.error)}; got ${preview(chunk)}`,
      );
    const event = parsed.data;
    switch (event.type) {
      case 'message_start':
        this.#model = event.message.model ?? undefined;
        this.#inputTokens = promptTokens(event.message.usage);
        this.#outputTokens = event.message.usage?.output_tokens ?? 0;
        return [];
      case 'content_block_start': {
        const { type: blockType, id, name, text } = event.content_block;
        this.#blocks.set(event.index, { type: blockType, id: id ?? '', name: name ?? '', json: '' });
        if (blockType === 'text' && text) {
          this.#content += text;
          return [{ type: 'text', delta: text }];
        }
        return [];
      }
      case 'content_block_delta': {
        const block = this.#blocks.get(event.index);
        if (event.delta.type === 'text_delta' && event.delta.text) {
          this.#content += event.delta.text;
          return [{ type: 'text', delta: event.delta.text }];
        }
        if (event.delta.type === 'input_json_delta' && block) block.json += event.delta.partial_json ?? '';
        return [];
      }
      case 'content_block_stop': {
        const block = this.#blocks.get(event.index);
        if (block?.type !== 'tool_use') return [];
        if (!block.id || !block.name)
          throw new ModelBadOutputError(
            this.#context,
            `streamed tool_use block #${event.index} lacks id or name`,
          );
        const call = parseToolArguments(this.#context, block.id, block.name, block.json);
        this.#toolCalls.push(call);
        return [{ type: 'tool_call', call }];
      }
      case 'message_delta':
        if (event.delta.stop_reason) this.#stopReason = event.delta.stop_reason;
        // message_delta's usage is cumulative.
        if (typeof event.usage?.output_tokens === 'number') this.#outputTokens = event.usage.output_tokens;
        return [];
      case 'message_stop':
        this.#stopped = true;
        return [];
    }
  }

  finish(): { events: StreamPiece[]; turn: ParsedTurn } {
    if (!this.#stopped) throw new ModelBadOutputError(this.#context, 'the stream ended before message_stop');
    return {
      events: [],
      turn: {
        content: this.#content,
        toolCalls: this.#toolCalls,
        stopReason: toAnthropicStopReason(this.#stopReason, this.#toolCalls.length > 0),
        usage: { inputTokens: this.#inputTokens, outputTokens: this.#outputTokens },
        model: this.#model,
      },
    };
  }
}
