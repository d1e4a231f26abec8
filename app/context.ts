import type { Command } from 'commander';
import { type LoadedConfig, loadConfig } from './config/load-config.js';
import { createLogger, type Logger } from '#core';
import { logFormatFrom } from './config/log-format.js';

export interface CommandContext extends LoadedConfig {
  logger: Logger;
}

/** Reads the global options of a subcommand's program and loads the configuration once. */
export function commandContext(command: Command): CommandContext {
  const { config: file } = command.optsWithGlobals<{ config?: string }>();
  const loaded = loadConfig({ file });
  const format = logFormatFrom(process.env, process.stderr.isTTY === true);
  return { ...loaded, logger: createLogger({ level: loaded.config.logLevel, format }) };
}
