import { type DestinationStream, type LevelWithSilent, type Logger as PinoLogger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';

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
  /**
   * `json`: one JSON object per line, for log collectors. `pretty`: one readable, colored line per
   * entry with its fields below, for a person at a terminal. @defaultValue 'json'
   */
  format?: LogFormat;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Creates a logger that writes to stderr (never stdout: it belongs to the stdio MCP transport). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = 'info', name = 'switchyard', destination = 2, format = 'json' } = options;
  const options_ = { level, name, base: { pid: process.pid } };
  if (format === 'pretty') return pino(options_, prettyStream(destination));
  const stream =
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  return pino(options_, stream);
}

/**
 * pino-pretty in this thread, writing synchronously: a worker-thread transport would lose the last
 * lines of a process that exits at once (a CLI error), which is when a person reads them.
 */
function prettyStream(destination: NodeJS.WritableStream | number): DestinationStream {
  const colorize = typeof destination === 'number' ? process.stderr.isTTY === true : false;
  return PinoPretty({
    destination:
      typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
    sync: true,
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
  });
}

/** A logger that drops everything: the default for library code whose caller passed none. */
export const silentLogger: Logger = pino({ level: 'silent' });
