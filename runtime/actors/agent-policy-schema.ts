import { z } from 'zod';

const glob = z.string().min(1);

/**
 * Per-agent policy overrides from the config file (`agents.policies.<name>`): an operator tightens
 * or loosens an agent's limits and gates without touching its definition. Fields left out keep
 * the agent's own value.
 */
export const AgentPolicyOverrideSchema = z.strictObject({
  limits: z
    .strictObject({
      maxSteps: z.int().min(1).optional(),
      timeoutMs: z.int().min(1_000).optional(),
      maxToolCalls: z.int().min(0).optional(),
      maxTokens: z.int().min(1).optional(),
      maxCostUsd: z.number().positive().optional(),
    })
    .optional(),
  allowTools: z.array(glob).optional(),
  approvalTools: z.array(glob).optional(),
  approvalTtlMs: z.int().min(1_000).optional(),
  /** Grant this agent's approvals at once (decided by `policy`): for unattended batches. */
  autoApprove: z.boolean().optional(),
  maxRestarts: z.int().min(0).optional(),
  snapshotBudgetBytes: z.int().min(1_024).optional(),
});

export const AgentsConfigSchema = z.strictObject({
  /**
   * Folders of declarative agent definitions (`*.agent.json` / `*.agent.yaml`, tool-agents),
   * relative to the working directory. `<home>/agents` is always searched last.
   */
  dirs: z.array(z.string().min(1)).default([]),
  /** Policy overrides by agent name. */
  policies: z.record(z.string(), AgentPolicyOverrideSchema).default({}),
  /**
   * How long a process's hold on a run lasts without renewal (renewed every third of it): a run
   * of a process that died, or was cut off from the database, is taken over after this, and the
   * cut-off process stops it by then itself.
   */
  leaseMs: z.int().min(1_000).default(30_000),
});
