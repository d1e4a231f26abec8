import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../../runtime/actors/agent-definition.js';
import type { RunSupervisor } from '../../runtime/actors/run-supervisor.js';
import { loadConfig } from '../../app/config/load-config.js';
import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';
import type { Sql } from '../../stores/sql/sql.js';
import { type ComposedBridge, composeBridge } from '../../app/compose/compose-bridge.js';
import { composeRuntime } from '../../app/compose/compose-runtime.js';
import { openSqlFromConfig } from '../../app/from-config/sql-from-config.js';

export type BuiltinName = 'crm' | 'memory' | 'filesystem' | 'github' | 'vector';

export interface AgentHarnessOptions {
  agents: AgentDefinition[];
  /** Built-in servers in the fleet. @defaultValue crm, memory, filesystem */
  builtins?: BuiltinName[];
  /** The `llm` config section (models pointed at the fake servers of tests/support/fake-llm). */
  llm?: Record<string, unknown>;
  /** The `github` config section (apiUrl of a FakeGitHub, token). */
  github?: Record<string, unknown>;
  /** Extra config sections. */
  extra?: Record<string, unknown>;
  /** Environment for config and model keys. @defaultValue {} */
  env?: Record<string, string>;
  /** A home directory to reuse (a "restarted process"). @defaultValue a fresh temporary one */
  home?: string;
  logger?: Logger;
  leaseMs?: number;
}

export interface AgentHarness {
  home: string;
  /** A directory inside the filesystem server's roots. */
  files: string;
  bridge: ComposedBridge;
  sql: Sql;
  supervisor: RunSupervisor;
  /** Closes the supervisor (runs keep their status) and the bridge; keeps `home`. */
  close(): Promise<void>;
  /** close() and delete `home`. */
  dispose(): Promise<void>;
}

/**
 * The production composition (composeBridge + composeRuntime) of an agent host in this process:
 * the built-in MCP servers in-process over real MCP, the embedded PGlite store under `home`, and
 * the run supervisor with the given agents. What `switchyard start` composes, minus the HTTP API.
 */
export async function startAgentHarness(options: AgentHarnessOptions): Promise<AgentHarness> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'switchyard-agents-'));
  const files = join(home, 'files');
  mkdirSync(files, { recursive: true });
  const builtins = options.builtins ?? ['crm', 'memory', 'filesystem'];
  const file = join(home, 'switchyard.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      mcpServers: Object.fromEntries(builtins.map((name) => [name, { builtin: name }])),
      filesystem: { roots: [files] },
      ...(options.llm ? { llm: options.llm } : {}),
      ...(options.github ? { github: options.github } : {}),
      ...options.extra,
    }),
  );
  // SWITCHYARD_HOME beside `files`, not above it: the filesystem server refuses a root inside it.
  const env = { SWITCHYARD_HOME: join(home, 'data'), ...options.env };
  const { config } = loadConfig({ file, env });
  const logger = options.logger ?? silentLogger;
  // As a process role does: the SQL store first, shared by the built-in servers and the runs.
  const sql = await openSqlFromConfig(config, logger);
  const bridge = await composeBridge({ config, file, logger, watch: false, sql });
  await bridge.ready;
  const supervisor = composeRuntime({
    config,
    bridge,
    sql,
    agents: options.agents,
    env,
    logger,
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
  await supervisor.start();
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await supervisor.close();
    await bridge.close();
    await sql.close();
  };
  return {
    home,
    files,
    bridge,
    sql,
    supervisor,
    close,
    dispose: async () => {
      await close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
