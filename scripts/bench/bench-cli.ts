import cliProgress from 'cli-progress';

/** What every `npm run bench:*` script shares: progress on stderr, argument checks, failing. */

/** A progress bar on stderr; off a terminal (CI, a log file) a line every few seconds instead. */
export function progressBar(label: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    {
      format: `${label.padEnd(28)} [{bar}] {percentage}% {value}/{total} {eta_formatted}`,
      stream: process.stderr,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Ends a benchmark over a bad argument: exit 2, the message prefixed with the script's name. */
export function failWith(script: string): (message: string) => never {
  return (message) => {
    process.stderr.write(`${script}: ${message}\n`);
    process.exit(2);
  };
}

/** A `--name` value that must be a positive integer, or `fail`. */
export function positiveArg(
  name: string,
  value: string | undefined,
  fail: (message: string) => never,
): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) fail(`--${name} must be a positive integer, got ${value}`);
  return parsed;
}
