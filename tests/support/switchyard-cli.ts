import { spawn } from 'node:child_process';
import { join } from 'node:path';

// Resolved from the project, since the CLI runs in a temporary working directory.
const TSX = import.meta.resolve('tsx');
const CLI = join(import.meta.dirname, '../../app/cli.ts');

/** How a CLI process ended and what it printed. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI from source as a user would run the built one, in `cwd` with HOME there too and no
 * other environment than PATH; killed after 60 s. Asynchronously: the API it talks to is served by
 * the calling process, which a spawnSync would block.
 */
export function runSwitchyard(args: string[], cwd: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
