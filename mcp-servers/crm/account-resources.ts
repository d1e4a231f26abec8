import { ResourceTemplate, ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { McpServer } from '@modelcontextprotocol/server';
import { NotFoundError } from '#core';
import { accountHealth } from './account-health.js';
import { getAccountOverview } from './account-overview.js';
import type { CrmToolDeps } from './schemas.js';

export const ACCOUNT_URI_PREFIX = 'crm://accounts/';

/**
 * `crm://accounts/{id}` (what get_account returns) and `crm://accounts/{id}/health` (what
 * account_health returns), as JSON, so a client can attach an account as context without a tool
 * call. Ids complete from a name or id prefix.
 */
export function registerAccountResources(server: McpServer, deps: CrmToolDeps): void {
  const complete = {
    id: async (prefix: string) => {
      const { rows } = await deps.sql.query<{ id: string }>(
        `SELECT id FROM crm_accounts WHERE starts_with(id, $1) OR starts_with(lower(name), lower($1))
         ORDER BY lower(name), id LIMIT 100`,
        [prefix],
      );
      return rows.map((row) => row.id);
    },
  };
  const read =
    (load: (id: string) => Promise<unknown>) => async (uri: URL, variables: Record<string, unknown>) => {
      const id = decodeURIComponent(String(variables['id']));
      try {
        const data = await load(id);
        return {
          contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(data, null, 2) }],
        };
      } catch (error) {
        // A resource read has no isError result: a missing account is the client's invalid parameter.
        if (error instanceof NotFoundError)
          throw new ProtocolError(
            ProtocolErrorCode.InvalidParams,
            `${error.message}; call search_accounts to find account ids`,
          );
        throw error;
      }
    };

  server.registerResource(
    'account',
    // Listing thousands of accounts is no use to a client; it completes an id or searches first.
    new ResourceTemplate(`${ACCOUNT_URI_PREFIX}{id}`, { list: undefined, complete }),
    {
      title: 'Account',
      description: 'One account with its contacts, open deals, recent activities, open tasks and notes',
      mimeType: 'application/json',
    },
    read((id) => getAccountOverview(deps.sql, id, { activities: 10, notes: 5 })),
  );
  server.registerResource(
    'account-health',
    new ResourceTemplate(`${ACCOUNT_URI_PREFIX}{id}/health`, { list: undefined, complete }),
    {
      title: 'Account health',
      description: "One account's risk score and the factors behind it",
      mimeType: 'application/json',
    },
    read((id) => accountHealth(deps.sql, id, deps.now())),
  );
}
