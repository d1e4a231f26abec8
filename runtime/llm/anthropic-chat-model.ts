import Anthropic from '@anthropic-ai/sdk';
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from './chat-model.js';
import {
  AnthropicStreamReader,
  fromAnthropicResponse,
  toAnthropicMessages,
  toAnthropicTools,
} from './anthropic-wire.js';
import {
  type ChatModelOptions,
  resolveChatModelOptions,
  type ResolvedChatModelOptions,
  runChat,
  runStream,
  sdkLogger,
} from './provider-common.js';
import { translateSdkError } from './sdk-errors.js';

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

export type AnthropicChatModelOptions = ChatModelOptions;

/** A {@link ChatModel} over the official `@anthropic-ai/sdk` Messages API. */
export class AnthropicChatModel implements ChatModel {
  readonly provider = 'anthropic';
  readonly model: string;
  readonly #options: ResolvedChatModelOptions;
  readonly #client: Anthropic;

  constructor(options: AnthropicChatModelOptions) {
    this.#options = resolveChatModelOptions('AnthropicChatModel', options);
    this.model = this.#options.model;
    this.#client = new Anthropic({
      // Explicit key and URL: the SDK then reads neither from the environment nor from a profile on disk.
      apiKey: this.#options.apiKey,
      baseURL: options.baseURL ?? ANTHROPIC_BASE_URL,
      // Retries are RetryPolicy's (see retry-policy.ts for why not the SDK's).
      maxRetries: 0,
      timeout: this.#options.timeoutMs,
      logger: sdkLogger(this.#options.logger, 'anthropic'),
    });
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const context = { provider: this.provider, model: this.model };
    const body = this.#body(request);
    return runChat(this, this.#options, request, async () => {
      let answer: unknown;
      try {
        // Typed by the SDK as what the server should send; fromAnthropicResponse checks what it did send.
        answer = await this.#client.messages.create(body, this.#requestOptions(request));
      } catch (error) {
        throw this.#translate(error, request);
      }
      return fromAnthropicResponse(answer, context);
    });
  }

  /** Streams the answer. `timeoutMs` bounds each attempt until the response starts; retries happen only before the first event. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const body = { ...this.#body(request), stream: true } satisfies Anthropic.MessageCreateParamsStreaming;
    return runStream(this, this.#options, request, {
      open: async () => {
        try {
          const events: AsyncIterable<unknown> = await this.#client.messages.create(
            body,
            this.#requestOptions(request),
          );
          return events;
        } catch (error) {
          throw this.#translate(error, request);
        }
      },
      translate: (error) => this.#translate(error, request),
      reader: new AnthropicStreamReader({ provider: this.provider, model: this.model }),
    });
  }

  #body(request: ChatRequest) {
    const { system, messages } = toAnthropicMessages(request.messages);
    return {
      model: this.model,
      max_tokens: request.maxTokens ?? this.#options.maxTokens,
      messages,
      ...(system === undefined ? {} : { system }),
      ...(request.tools?.length ? { tools: toAnthropicTools(request.tools) } : {}),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    } satisfies Anthropic.MessageCreateParamsNonStreaming;
  }

  #requestOptions(request: ChatRequest) {
    return { timeout: this.#options.timeoutMs, ...(request.signal ? { signal: request.signal } : {}) };
  }

  #translate(error: unknown, request: ChatRequest) {
    const { timeoutMs, now } = this.#options;
    return translateSdkError(error, Anthropic, {
      provider: this.provider,
      model: this.model,
      timeoutMs,
      signal: request.signal,
      now,
    });
  }
}
