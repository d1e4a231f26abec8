import OpenAI from 'openai';
import type { ChatModel, ChatRequest, ChatResponse, ChatStreamEvent } from './chat-model.js';
import {
  type ChatModelOptions,
  resolveChatModelOptions,
  type ResolvedChatModelOptions,
  runChat,
  runStream,
  sdkLogger,
} from './provider-common.js';
import { fromOpenAIResponse, OpenAIStreamReader, toOpenAIMessages, toOpenAITools } from './openai-wire.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIChatModelOptions extends ChatModelOptions {
  /** What {@link ChatModel.provider} reports: `openai`, or the name of a compatible server from config. @defaultValue 'openai' */
  provider?: string;
  /**
   * The request field that carries the token limit. OpenAI's current models want
   * `max_completion_tokens` (o-series reject `max_tokens`); older compatible servers know only
   * `max_tokens`. @defaultValue 'max_completion_tokens' for provider `openai`, else 'max_tokens'
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

/**
 * A {@link ChatModel} over the official `openai` SDK's chat.completions API. With `baseURL` it
 * talks to any OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio).
 */
export class OpenAIChatModel implements ChatModel {
  readonly provider: string;
  readonly model: string;
  readonly #options: ResolvedChatModelOptions;
  readonly #maxTokensField: 'max_tokens' | 'max_completion_tokens';
  readonly #client: OpenAI;

  constructor(options: OpenAIChatModelOptions) {
    this.#options = resolveChatModelOptions('OpenAIChatModel', options);
    this.provider = options.provider ?? 'openai';
    this.model = this.#options.model;
    this.#maxTokensField =
      options.maxTokensField ?? (this.provider === 'openai' ? 'max_completion_tokens' : 'max_tokens');
    this.#client = new OpenAI({
      apiKey: this.#options.apiKey,
      baseURL: options.baseURL ?? OPENAI_BASE_URL,
      // Retries are RetryPolicy's (see retry-policy.ts for why not the SDK's).
      maxRetries: 0,
      timeout: this.#options.timeoutMs,
      logger: sdkLogger(this.#options.logger, 'openai'),
      // Explicit values, so the SDK reads none of them from the environment.
      organization: null,
      project: null,
      webhookSecret: null,
    });
  }

  async chat(request: ChatRequest): Promise<ChatResponse> {
    const body = this.#body(request);
    return runChat(this, this.#options, request, {
      sdkErrors: OpenAI,
      send: (requestOptions) => this.#client.chat.completions.create(body, requestOptions),
      // The SDK types the answer as what the server should send; fromOpenAIResponse checks what it did send.
      parse: fromOpenAIResponse,
    });
  }

  /**
   * Streams the answer. `timeoutMs` bounds each attempt until the response starts; retries happen
   * only before the first event. Usage is requested with `stream_options.include_usage`.
   */
  stream(request: ChatRequest): AsyncIterable<ChatStreamEvent> {
    const body = {
      ...this.#body(request),
      stream: true,
      stream_options: { include_usage: true },
    } satisfies OpenAI.Chat.ChatCompletionCreateParamsStreaming;
    return runStream(this, this.#options, request, {
      sdkErrors: OpenAI,
      send: (requestOptions) => this.#client.chat.completions.create(body, requestOptions),
      reader: new OpenAIStreamReader({ provider: this.provider, model: this.model }),
    });
  }

  #body(request: ChatRequest) {
    return {
      model: this.model,
      messages: toOpenAIMessages(request.messages),
      ...(request.tools?.length ? { tools: toOpenAITools(request.tools) } : {}),
      [this.#maxTokensField]: request.maxTokens ?? this.#options.maxTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    } satisfies OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;
  }
}
