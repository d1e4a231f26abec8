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
    const body = this.#body(request);
    return runChat(this, this.#options, request, {
      sdkErrors: Anthropic,
      send: (requestOptions) => this.#client.messages.create(body, requestOptions),
      // The SDK types the answer as what the server should send; fromAnthropicResponse checks what it did send.
      parse: fromAnthropicResponse,
    });
  }

  /** Streams the answer. `timeoutMs` bounds each attempt until the response starts; retries happen only before the first event. */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const body = { ...this.#body(request), stream: true } satisfies Anthropic.MessageCreateParamsStreaming;
    return runStream(this, this.#options, request, {
      sdkErrors: Anthropic,
      send: (requestOptions) => this.#client.messages.create(body, requestOptions),
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
}
