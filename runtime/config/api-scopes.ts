/**
 * What an API key may do. The vocabulary of access, shared by the keys that grant it (the `api`
 * section, app/api) and the bridge that enforces it (bridge/access, the catalog, task tools), so
 * it lives below both.
 */
export const API_SCOPES = ['read', 'call', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];
