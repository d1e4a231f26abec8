import type { McpServer } from '@modelcontextprotocol/server';
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import type { Logger } from '#core';
import type { ToolExtra } from '#runtime/mcp';
import { type CallOptions, callOptions } from './call-context.js';

/** What every tool of this server is given. */
export interface GitHubToolDeps {
  octokit: Octokit;
  logger: Logger;
  /** The API base URL, for messages. */
  apiUrl: string;
  /** Whether a token is configured: the hint for a 401 differs. */
  authenticated: boolean;
  /** Aborted by the server's cleanup, so calls in flight (and rate-limit waits) stop. */
  shutdown: AbortSignal;
  /** The per-call octokit options (signal, rate-limit progress) of one tool call. */
  call(extra: ToolExtra): CallOptions;
}

export type RegisterTool = (server: McpServer, deps: GitHubToolDeps) => void;

export function toolDeps(base: Omit<GitHubToolDeps, 'call'>): GitHubToolDeps {
  return { ...base, call: (extra) => callOptions(extra, base.shutdown, base.logger) };
}

// GitHub's own rules, checked here so a typo fails before any request (and any rate-limit cost).
export const owner = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, {
    message: 'an owner is a GitHub user or organization login: letters, digits and hyphens, at most 39',
  })
  .describe('Repository owner: the user or organization login, e.g. "octocat"');

export const repo = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, {
    message: "a repository name is 1–100 letters, digits, '.', '_' or '-' (without the owner)",
  })
  .describe('Repository name without the owner, e.g. "hello-world"');

export const branchName = z
  .string()
  .min(1)
  .max(250)
  .regex(/^(?!\/|.*\/$|.*\.\.|.*\/\/|.*@\{|.*\.lock$)[^\s~^:?*[\\]+$/, {
    message:
      'not a valid branch name (no spaces, "..", "~", "^", ":", "?", "*", "[" or a leading/trailing "/")',
  });

export const page = z.number().int().min(1).default(1).describe('Page number, from 1');

export const perPage = z
  .number()
  .int()
  .min(1)
  .max(100)
  .default(30)
  .describe('Results per page, 1–100 (GitHub caps it at 100)');

export const direction = z.enum(['asc', 'desc']).optional().describe('Sort direction');

/** Every result of a list or search tool says where it is in the whole. */
export const pageInfoShape = {
  page: z.number().int(),
  per_page: z.number().int(),
  has_next_page: z.boolean().describe('Whether calling again with page + 1 returns more'),
  next_page: z.number().int().nullable(),
  last_page: z.number().int().nullable().describe('The last page, when GitHub says'),
};
