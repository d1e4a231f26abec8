import { SwitchyardError } from '#core';

/** A supervisor wrote to a run it no longer owns (its lease ran out and another took the run). */
export class LeaseLostError extends SwitchyardError {
  constructor(runId: string, owner: string) {
    super('run_lease_lost', `run '${runId}' is no longer owned by '${owner}'`, { details: { runId, owner } });
  }
}

/**
 * A non-idempotent effect was in flight when its run was interrupted: whether it happened is
 * unknown, so it is not repeated and the run needs a person.
 */
export class OutcomeUnknownError extends SwitchyardError {
  constructor(runId: string, key: string, name: string) {
    super(
      'effect_outcome_unknown',
      `run '${runId}': '${name}' (effect ${key}) was in flight when the run stopped and is not idempotent; ` +
        'whether it happened is unknown, so it is not repeated',
      { details: { runId, key, name } },
    );
  }
}

/** A run went past one of its agent's limits (steps, tokens, cost, tool calls, time). */
export class RunLimitError extends SwitchyardError {
  constructor(runId: string, limit: string, used: number, max: number) {
    super('run_limit_exceeded', `run '${runId}' exceeded its ${limit} limit (${used} > ${max})`, {
      details: { runId, limit, used, max },
    });
  }
}

/** A tool the agent may not use (outside its allow list, or not in the catalog). */
export class ToolNotAllowedError extends SwitchyardError {
  constructor(agent: string, tool: string) {
    super('tool_not_allowed', `agent '${agent}' may not call '${tool}' (not in its allowed tools)`, {
      details: { agent, tool },
    });
  }
}

/** The persisted snapshot of a run grew past its size budget. */
export class SnapshotTooLargeError extends SwitchyardError {
  constructor(runId: string, bytes: number, budget: number, largest: string[]) {
    super(
      'snapshot_too_large',
      `run '${runId}': persisted snapshot is ${bytes} bytes, over its budget of ${budget} ` +
        `(largest context fields: ${largest.join(', ') || 'none'}); keep large data in the event log or effects`,
      { details: { runId, bytes, budget, largest } },
    );
  }
}

/** An operation that needs a run in another status (approve a completed run, resume a cancelled one). */
export class RunStateError extends SwitchyardError {
  constructor(runId: string, message: string, details: Record<string, unknown> = {}) {
    super('run_state_invalid', `run '${runId}': ${message}`, { details: { runId, ...details } });
  }
}
