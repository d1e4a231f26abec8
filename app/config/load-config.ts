import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '#core';
import { type Config, ConfigSchema } from './config-schema.js';
import { ENV_BINDINGS, readEnvironment } from './environment.js';

export const CONFIG_FILE_NAMES = [
  'switchyard.config.json',
  'switchyard.config.yaml',
  'switchyard.config.yml',
];

export interface LoadConfigOptions {
  /** Directory searched for a config file. @defaultValue process.cwd() */
  cwd?: string;
  /** An explicit config file (the `--config` flag or SWITCHYARD_CONFIG). */
  file?: string;
  /** @defaultValue process.env */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, if any. */
  file: string | null;
}

/**
 * Loads the configuration: defaults < config file < environment. The file and the environment
 * are validated separately so an error names its source: the file and the field path, or the
 * environment variable, and what was expected.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const { cwd = process.cwd(), env = process.env } = options;
  const file = findConfigFile(cwd, options.file ?? env.SWITCHYARD_CONFIG);
  const fromFile = file ? readConfigFile(file) : {};
  check(fromFile, (path) => `${file}: ${path}`);
  const merged = deepMerge(fromFile, readEnvironment(env));
  const parsed = check(merged, (path) => {
    const binding = ENV_BINDINGS.find((b) => b.path.join('.') === path);
    return binding ? `environment variable ${binding.name} (${path})` : `${file ?? 'configuration'}: ${path}`;
  });
  const home = resolve(cwd, parsed.home ?? join(homedir(), '.switchyard'));
  return { config: { ...parsed, home }, file };
}

function findConfigFile(cwd: string, explicit: string | undefined): string | null {
  if (explicit) {
    const path = isAbsolute(explicit) ? explicit : resolve(cwd, explicit);
    if (!existsSync(path)) throw new ConfigError(`config file ${path} does not exist`, { file: path });
    return path;
  }
  const found = CONFIG_FILE_NAMES.map((name) => join(cwd, name)).filter((path) => existsSync(path));
  if (found.length > 1) {
    throw new ConfigError(`found several config files (${found.join(', ')}); keep one`, { files: found });
  }
  return found[0] ?? null;
}

function readConfigFile(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  try {
    const value: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ConfigError(`${file}: expected an object at the top level`, { file });
    }
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
      { file },
      error,
    );
  }
}

function check(value: unknown, where: (path: string) => string): z.output<typeof ConfigSchema> {
  const result = ConfigSchema.safeParse(value);
  if (result.success) return result.data;
  throw configErrorFromIssues(result.error.issues, where);
}

/** One invalid field: its dotted path and the message naming where it came from. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * The ConfigError for zod issues, one line per issue: `<where(path)>: <message>`, where `path` is
 * `basePath` and the issue's path, dotted (e.g. `switchyard.config.json: mcpServers.github.url: …`).
 */
export function configErrorFromIssues(
  issues: readonly z.core.$ZodIssue[],
  where: (path: string) => string,
  basePath: readonly PropertyKey[] = [],
): ConfigError {
  const problems: ConfigProblem[] = issues.map((issue) => {
    const path = [...basePath, ...issue.path].map(String).join('.') || '(top level)';
    return { path, message: `${where(path)}: ${issue.message}` };
  });
  return new ConfigError(`invalid configuration:\n  ${problems.map((p) => p.message).join('\n  ')}`, {
    problems,
  });
}

function deepMerge(base: unknown, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isObject(value) && isObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
