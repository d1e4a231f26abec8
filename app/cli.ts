#!/usr/bin/env node
// The `switchyard` command. This file only runs the program; buildProgram() is the library part.
import { SwitchyardError } from '#core';
import { buildProgram } from './program.js';

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    // Expected failures (bad config, a store that does not answer) get their message, not a stack.
    const message =
      error instanceof SwitchyardError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    process.stderr.write(`switchyard: ${message}\n`);
    process.exitCode = error instanceof SwitchyardError && error.code === 'config_invalid' ? 2 : 1;
  });
