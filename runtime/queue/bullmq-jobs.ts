import type { Job, JobsOptions, JobState } from 'bullmq';
import { z } from 'zod';

import { ValidationError } from '#core';
import type { TaskInfo, TaskSpec, TaskState } from './task-queue.js';
import { DEFAULT_TASK_ATTEMPTS, DEFAULT_TASK_BACKOFF, parseTaskSpec } from './task-spec-schema.js';

/**
 * How a {@link TaskSpec} becomes a BullMQ job and back: job data, job options, state names.
 * Shared by the queue side (submit, get) and the worker side (process).
 */

/** BullMQ's largest priority (`PRIORITY_LIMIT`, 2^21 - 1); larger values make `add` throw. */
export const BULLMQ_PRIORITY_LIMIT = 2 ** 21 - 1;

/** Completed jobs kept per agent queue (for `get` after the end, and idempotent re-adds). */
export const KEEP_COMPLETED = { count: 1_000, age: 24 * 3600 } as const;

/** The payload stored on every job: the spec as submitted (validated again when a worker takes it). */
export const TaskJobDataSchema = z.object({ spec: z.unknown(), resumes: z.string().min(1).optional() });
export interface TaskJobData {
  spec: TaskSpec;
  /** Set on a wake-up of a parked run: that run's id (the job's own id is the wake-up's). */
  resumes?: string;
}

export type TaskBullJob = Job<TaskJobData, TaskJobResult, string>;

/** What a job's return value holds: the handler's outcome. */
export interface TaskJobResult {
  status: string;
}

/** BullMQ queue name of an agent's queue (the prefix option namespaces the Redis keys). */
export function agentQueueName(agent: string): string {
  return `agent-${agent}`;
}

/** Validates a job payload read back from Redis. */
export function readJobData(data: unknown): TaskJobData {
  const parsed = TaskJobDataSchema.safeParse(data);
  if (!parsed.success) throw new ValidationError('job data is not a task payload', { field: 'spec' });
  const { resumes } = parsed.data;
  return { spec: parseTaskSpec(parsed.data.spec), ...(resumes === undefined ? {} : { resumes }) };
}

/**
 * BullMQ's options for a spec. An unprioritized task gets the lowest priority rather than BullMQ's
 * 0, because BullMQ runs priority-0 jobs *before* prioritized ones while {@link TaskSpec.priority}
 * promises the opposite (after every prioritized task, FIFO).
 */
export function jobOptions(runId: string, spec: TaskSpec): JobsOptions {
  const backoff = spec.backoff ?? DEFAULT_TASK_BACKOFF;
  return {
    jobId: runId,
    priority: spec.priority ?? BULLMQ_PRIORITY_LIMIT,
    delay: spec.delayMs ?? 0,
    attempts: spec.attempts ?? DEFAULT_TASK_ATTEMPTS,
    backoff: { type: backoff.type, delay: backoff.delayMs },
    removeOnComplete: KEEP_COMPLETED,
    // Dead letters: a job that failed its last attempt stays in the failed set until retried.
    removeOnFail: false,
  };
}

/**
 * A wake-up of a parked run: ahead of new tasks (BullMQ takes priority 0 before any prioritized
 * job), gone once done (nobody looks it up), kept when it failed every attempt (a dead letter).
 */
export function resumeJobOptions(jobId: string, delayMs: number): JobsOptions {
  return {
    jobId,
    priority: 0,
    delay: delayMs,
    attempts: DEFAULT_TASK_ATTEMPTS,
    backoff: { type: DEFAULT_TASK_BACKOFF.type, delay: DEFAULT_TASK_BACKOFF.delayMs },
    removeOnComplete: true,
    removeOnFail: false,
  };
}

/** BullMQ's job state as a {@link TaskState}. */
export function taskState(state: JobState | 'unknown'): TaskState {
  switch (state) {
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      return 'waiting';
    case 'delayed':
    case 'active':
    case 'completed':
    case 'failed':
      return state;
    default:
      return 'unknown';
  }
}

export async function toTaskInfo(job: TaskBullJob, state?: TaskState): Promise<TaskInfo> {
  const spec = job.data.spec;
  const current = state ?? taskState(await job.getState());
  return {
    runId: job.data.resumes ?? job.id ?? '',
    agent: spec.agent,
    state: current,
    // BullMQ counts an attempt when it ends; the running one has started too.
    attemptsMade: current === 'active' ? job.attemptsMade + 1 : job.attemptsMade,
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    submittedAt: new Date(job.timestamp),
    ...(job.finishedOn === undefined ? {} : { finishedAt: new Date(job.finishedOn) }),
  };
}
