import {
  type AgentDefinition,
  type RunEventBus,
  RunSupervisor,
  type RunSupervisorOptions,
  SqlRunStore,
} from '#runtime/actors';
import { type Clock, ConfigError, type Logger, silentLogger } from '#core';
import type { Config } from '../config/config-schema.js';
import { type ChatModel, createChatModels, type RateLimiter } from '#runtime/llm';
import type { Sql } from '#stores/sql';
import type { AuditLog } from '../api/audit-log.js';
import { type AgentToolCall, toolCatalogOf } from '#bridge/catalog';
import type { ComposedCatalog } from './compose-catalog.js';

export interface ComposeRuntimeOptions {
  config: Config;
  bridge: Pick<ComposedCatalog, 'catalog'>;
  sql: Sql;
  agents: readonly AgentDefinition[];
  logger?: Logger;
  /** Models by name; built from `config.llm` when not given. Models given here are used as they are. */
  models?: { models: ReadonlyMap<string, ChatModel>; defaultModel?: ChatModel };
  /**
   * What counts `llm.rateLimits` for models built here (see model-rate-limiter-from-config.ts; its
   * owner closes it). @defaultValue a limiter of this process
   */
  rateLimiter?: RateLimiter;
  /** @defaultValue process.env (read here, at the composition root, only) */
  env?: Readonly<Record<string, string | undefined>>;
  clock?: Clock;
  bus?: RunEventBus;
  leaseMs?: number;
  owner?: string;
  /** How parked and decided runs come back (the task queue); see RunSupervisorOptions. */
  continueRun?: RunSupervisorOptions['continueRun'];
  adoptOrphans?: boolean;
  /** Where the tool calls of agents are audited (source `agent`, with their run). @defaultValue not audited */
  audit?: AuditLog;
}

/**
 * The agent runtime of one process: a run supervisor over the SQL store, calling tools through
 * the bridge's catalog and models from `config.llm`. An embedded PGlite belongs to one process,
 * so the supervisor then owns every unfinished run it finds.
 */
export function composeRuntime(options: ComposeRuntimeOptions): RunSupervisor {
  const { config, sql, agents } = options;
  const logger = options.logger ?? silentLogger;
  const { models, defaultModel } =
    options.models ??
    createChatModels(config.llm, {
      env: options.env ?? process.env,
      logger,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    });
  for (const agent of agents) {
    if (agent.model !== undefined && !models.has(agent.model)) {
      throw new ConfigError(
        `agent '${agent.name}' uses model '${agent.model}', which llm.models does not define`,
        {
          agent: agent.name,
          model: agent.model,
        },
      );
    }
  }
  const supervisorOptions: RunSupervisorOptions = {
    store: new SqlRunStore(sql),
    tools: toolCatalogOf(options.bridge.catalog, {
      ...(options.audit ? { onCall: auditAgentCall(options.audit) } : {}),
    }),
    agents,
    modelFor: (agent) => (agent.model !== undefined ? models.get(agent.model) : defaultModel),
    logger: logger.child({ component: 'runs' }),
    exclusive: sql.driver === 'pglite',
    policies: config.agents.policies,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
    leaseMs: options.leaseMs ?? config.agents.leaseMs,
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.continueRun ? { continueRun: options.continueRun } : {}),
    ...(options.adoptOrphans !== undefined ? { adoptOrphans: options.adoptOrphans } : {}),
  };
  return new RunSupervisor(supervisorOptions);
}

/** An agent's tool call as an audit row: the key that submitted its run, and the run itself. */
function auditAgentCall(audit: AuditLog): (call: AgentToolCall) => void {
  return (call) =>
    audit.record({
      source: 'agent',
      keyName: call.run?.requestedBy ?? null,
      tool: call.tool,
      server: call.server,
      startedAt: call.startedAt,
      durationMs: call.durationMs,
      outcome: call.outcome,
      error: call.error,
      arguments: call.arguments,
      runId: call.run?.runId,
    });
}
