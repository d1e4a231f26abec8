import { isIP } from 'node:net';

/**
 * Where a request says it is going (Host) and which page sent it (Origin): the checks against
 * DNS rebinding shared by the API (every route, the WebSocket upgrade, `/mcp`) and the standalone
 * MCP servers (`switchyard server <name> --http`).
 *
 * DNS rebinding: a page on evil.example makes its name resolve to 127.0.0.1, so the browser
 * sends the page's requests to a local server as same-origin ones. Two things give it away: the
 * Host header names evil.example (so only our own names are accepted), and a cross-site request
 * carries an Origin the server never listed (so only our own origin and configured ones are).
 */

/** 127.0.0.0/8 and ::1 (also as ::ffff:127.x), with or without brackets. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/** An address that means "every interface". */
export function isWildcardAddress(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === '0.0.0.0' || bare === '::' || bare === '::0';
}

/** The hostname and port of a Host header (`[::1]:7400`, `Example.COM.`), lower-cased; undefined if malformed. */
export function parseHostHeader(header: string): { hostname: string; port: number | undefined } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s/@]+)(?::(\d{1,5}))?$/.exec(header.trim());
  if (!match) return undefined;
  const hostname = match[1]!
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[|\]$/g, '');
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && port > 65_535) return undefined;
  return { hostname, port };
}

export interface HostCheckOptions {
  /** The address the server binds (`127.0.0.1`, `0.0.0.0`, `10.0.0.5`). */
  bound: string;
  /**
   * Other names clients may use: `name` (any port), `name:port`, or `*.example.com` (its
   * subdomains). @defaultValue []
   */
  allowedHosts?: readonly string[];
}

/**
 * Which Host headers a server answers. Always: the loopback names (`localhost`, 127.0.0.0/8,
 * `::1`) on any port, since a rebound name can never be one of them; the bound address itself;
 * when the server binds every interface, any IP literal (an address cannot be rebound, only a
 * name can; a cross-site page is still stopped by the Origin check); and `allowedHosts`.
 * A request without Host (HTTP/1.0) is refused: we cannot tell where it was meant to go.
 */
export function createHostCheck(options: HostCheckOptions): (header: string | undefined) => boolean {
  const bound = options.bound.replace(/^\[|\]$/g, '').toLowerCase();
  const wildcard = isWildcardAddress(bound);
  const rules = (options.allowedHosts ?? []).map(parseAllowedHost);
  return (header) => {
    if (header === undefined) return false;
    const host = parseHostHeader(header);
    if (!host) return false;
    const { hostname, port } = host;
    if (hostname === 'localhost' || isLoopback(hostname)) return true;
    if (!wildcard && hostname === bound) return true;
    if (wildcard && isIP(hostname) !== 0) return true;
    return rules.some((rule) => rule(hostname, port));
  };
}

function parseAllowedHost(entry: string): (hostname: string, port: number | undefined) => boolean {
  const parsed = parseHostHeader(entry.startsWith('*.') ? entry.slice(2) : entry);
  if (!parsed) throw new RangeError(`'${entry}' is not a host name (expected name, name:port or *.domain)`);
  const { hostname: name, port: wanted } = parsed;
  const portMatches = (port: number | undefined) => wanted === undefined || port === wanted;
  if (entry.startsWith('*.')) return (hostname, port) => hostname.endsWith(`.${name}`) && portMatches(port);
  return (hostname, port) => hostname === name && portMatches(port);
}

/** Lower-cases scheme and host and drops a trailing slash, as browsers send it. */
export function normalizeOrigin(origin: string): string {
  // An opaque origin ("null") is not a URL: it is kept verbatim, so it matches nothing listed.
  return URL.canParse(origin) ? new URL(origin).origin : origin;
}

/**
 * Whether a request's Origin may call: none (not a browser page), the server's own origin (the
 * scheme and the Host the request was sent to, which the Host check accepted, or a loopback name
 * on that same port: the same server under another of its names), or a listed one. `null` (a
 * sandboxed frame, a file) never is.
 */
export function createOriginCheck(
  allowedOrigins: readonly string[] = [],
): (origin: string | undefined, host: string | undefined) => boolean {
  const allowed = new Set(allowedOrigins.map(normalizeOrigin));
  return (origin, host) => {
    if (origin === undefined) return true;
    const normalized = normalizeOrigin(origin);
    if (allowed.has(normalized)) return true;
    if (host === undefined || !URL.canParse(normalized)) return false;
    const own = host.toLowerCase();
    if (normalized === `http://${own}` || normalized === `https://${own}`) return true;
    const page = new URL(normalized);
    const target = parseHostHeader(host);
    const pageHost = page.hostname.replace(/^\[|\]$/g, '');
    return (
      target !== undefined &&
      (pageHost === 'localhost' || isLoopback(pageHost)) &&
      (target.hostname === 'localhost' || isLoopback(target.hostname)) &&
      Number(page.port || (page.protocol === 'https:' ? 443 : 80)) === (target.port ?? 80)
    );
  };
}
