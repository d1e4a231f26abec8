// The console's only way to the server: the same REST API and WebSocket every client uses, with
// the key the person entered (kept in sessionStorage: this tab only, gone when it closes).

const KEY_ITEM = 'switchyard.key';

export type Scope = 'read' | 'call' | 'admin';
/** GET /v1/session: `name` is null (and `scopes` empty) when a key is needed and none was sent. */
export interface Session {
  name: string | null;
  scopes: Scope[];
  open: boolean;
}

export const storedKey = (): string | null => sessionStorage.getItem(KEY_ITEM);
export const storeKey = (key: string | null): void =>
  key === null ? sessionStorage.removeItem(KEY_ITEM) : sessionStorage.setItem(KEY_ITEM, key);

/** An error answer of the API: its code and message, as the server's error body gives them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Calls the API; rejects with ApiError on an error answer. `body` is sent as JSON. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; key?: string | null } = {},
): Promise<T> {
  const key = init.key === undefined ? storedKey() : init.key;
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  const data: unknown =
    text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string } })?.error;
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `HTTP ${response.status}`);
  }
  return data as T;
}

/** The session of `key` (null: no key, as on an open API); rejects when the server refuses it. */
export const fetchSession = (key: string | null) => api<Session>('/v1/session', { key });

export const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
