import type { Command } from 'commander';
import type { Config } from '../../runtime/config/config-schema.js';
import { commandContext } from '../context.js';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the resolved configuration (file + environment + defaults), secrets redacted')
    .action((_options: unknown, command: Command) => {
      const { config, file } = commandContext(command);
      process.stdout.write(`${JSON.stringify({ file, config: redact(config) }, null, 2)}\n`);
    });
}

/** Hides passwords in URLs and API keys, so the output can be pasted into an issue. */
export function redact(config: Config): Config {
  const url = (value: string | undefined) => {
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (parsed.password) parsed.password = '***';
      return parsed.toString();
    } catch {
      return '***';
    }
  };
  const key = (value: string | undefined) => (value ? '***' : value);
  return {
    ...config,
    database: { ...config.database, url: url(config.database.url) },
    redis: { ...config.redis, url: url(config.redis.url) },
    vector: {
      ...config.vector,
      qdrant: { url: config.vector.qdrant.url, apiKey: key(config.vector.qdrant.apiKey) },
    },
    embeddings: { ...config.embeddings, apiKey: key(config.embeddings.apiKey) },
    llm: {
      ...config.llm,
      models: Object.fromEntries(
        Object.entries(config.llm.models).map(([name, model]) => [
          name,
          { ...model, apiKey: key(model.apiKey) },
        ]),
      ),
    },
  };
}
