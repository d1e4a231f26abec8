import type { AgentDefinition } from '#runtime/actors';
import { accountReviewAgent } from './account-review/account-review-agent.js';
import { accountReviewBatchAgent } from './account-review-batch/account-review-batch-agent.js';
import { bizdevAgent } from './bizdev/bizdev-agent.js';
import { codingAgent } from './coding/coding-agent.js';
import { marketingAgent } from './marketing/marketing-agent.js';
import { securityAgent } from './security/security-agent.js';

/**
 * The statechart agents Switchyard ships. The generic tool-agent has no instance of its own: each
 * one is a declarative definition file (see load-agents.ts).
 */
export function builtinAgents(): AgentDefinition[] {
  return [
    accountReviewAgent,
    accountReviewBatchAgent,
    codingAgent,
    bizdevAgent,
    securityAgent,
    marketingAgent,
  ];
}
