import { ConfigError, LOG_FORMATS, type LogFormat } from '#core';

/**
 * How logs are written: `SWITCHYARD_LOG_FORMAT` when set (`json` or `pretty`); otherwise
 * readable lines for a person at a terminal, JSON lines for everything else (a service manager,
 * a container runtime, a pipe into a log collector).
 */
export function logFormatFrom(
  env: Readonly<Record<string, string | undefined>>,
  stderrIsTty: boolean,
): LogFormat {
  const forced = env.SWITCHYARD_LOG_FORMAT;
  if (forced === undefined || forced === '') return stderrIsTty ? 'pretty' : 'json';
  if ((LOG_FORMATS as readonly string[]).includes(forced)) return forced as LogFormat;
  throw new ConfigError(`SWITCHYARD_LOG_FORMAT: expected ${LOG_FORMATS.join(' or ')}, got '${forced}'`, {
    field: 'SWITCHYARD_LOG_FORMAT',
  });
}
