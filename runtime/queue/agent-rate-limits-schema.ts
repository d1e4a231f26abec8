import { z } from 'zod';
import { RateLimitSchema } from '../llm/rate-limiter.js';
import { AGENT_NAME_PATTERN } from './task-spec-schema.js';

/**
 * `agents.rateLimits`: runs started per window (`{ max, durationMs }`) by agent name, across every
 * worker: BullMQ's limiter on the agent's queue. Applies with `redis.url` only; the inline queue
 * has no limiter (a warning at start says so). It sits in the `agents` section for the operator,
 * but the queue enforces it, so the queue declares it.
 */
export const AgentRateLimitsSchema = z
  .record(z.string(), RateLimitSchema)
  // Checked here, not by the record's key schema, whose failure says only "Invalid key in record".
  .superRefine((limits, context) => {
    for (const agent of Object.keys(limits))
      if (!AGENT_NAME_PATTERN.test(agent))
        context.addIssue({
          code: 'custom',
          path: [agent],
          message: `'${agent}' is not an agent name (expected [a-z0-9-]{1,64})`,
        });
  })
  .default({});
