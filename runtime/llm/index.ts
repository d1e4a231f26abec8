// The front door of runtime/llm: Chat models (OpenAI, Anthropic, OpenAI-compatible) behind one interface, and the rate limiters they share.
// Other layers import it as '#runtime/llm' (package.json `imports`); a file not exported here is internal.
export * from './chat-model.js';
export * from './create-chat-model.js';
export * from './rate-limiter.js';
export * from './redis-rate-limiter.js';
