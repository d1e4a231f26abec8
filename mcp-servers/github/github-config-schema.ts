import { z } from 'zod';
import { secret, urlField } from '#core';
import { isHttpsOrLoopback } from '#runtime/config';

/** The `github` config section: the github MCP server's API access. */
export const GithubConfigSchema = z.strictObject({
  /** A personal access token or app token. Env: GITHUB_TOKEN. Without one, GitHub's anonymous limits apply. */
  token: secret(z.string().min(1)).optional(),
  /** The REST API's base URL; GitHub Enterprise Server is https://HOST/api/v3. Env: GITHUB_API_URL. */
  apiUrl: urlField
    // Security: the token goes with every request, so it must not cross a network in clear.
    .refine(isHttpsOrLoopback, {
      message: 'expected an https URL (http only to a loopback address: 127.0.0.1, ::1, localhost)',
    })
    .default('https://api.github.com'),
  /** The longest a tool waits out a rate limit before it answers with when to retry instead. */
  rateLimitWaitMs: z.int().min(0).max(600_000).default(30_000),
});
export type GithubConfig = z.output<typeof GithubConfigSchema>;
