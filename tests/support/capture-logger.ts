import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../core/logger.js';

/** A real pino logger whose JSON lines are kept in `lines` (parsed) for assertions. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', name: 'test', destination }), lines };
}
