import { type LevelWithSilent, type Logger as PinoLogger, pino } from 'pino';

/**
 * The logger every layer receives by injection. It is pino's, narrowed to what code calls, so a
 * test can pass a silent or capturing logger.
 */
export type Logger = Pick<
  PinoLogger,
  'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'child' | 'level'
>;

export interface LoggerOptions {
  /** @defaultValue 'info' */
  level?: LevelWithSilent;
  /** Logger name, shown as `name` in every line. @defaultValue 'switchyard' */
  name?: string;
  /** Where lines go. @defaultValue file descriptor 2 (stderr): stdout belongs to the stdio MCP transport. */
  destination?: NodeJS.WritableStream | number;
}

/** Creates a JSON logger that writes to stderr, never stdout. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', name = 'switchyard', destination = 2 } = options;
  const stream =
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino({ level, name, base: { pid: process.pid } }, stream);
}

/** A logger that drops everything: the default for library code whose caller passed none. */
export const silentLogger: Logger = pino({ level: 'silent' });
