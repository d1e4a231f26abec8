/**
 * True when `url` is https, or http to a loopback address (127.0.0.0/8, ::1, localhost). Security:
 * a token sent over plain http to another host can be read on the way; loopback traffic never
 * leaves the machine, which is what local fakes and proxies in tests and development use.
 * Anything that does not parse as a URL is false.
 */
export function isHttpsOrLoopback(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'https:') return true;
  if (parsed.protocol !== 'http:') return false;
  // The URL parser has already normalised IPv4 forms (127.1, 0x7f.1) to dotted decimal.
  const host = parsed.hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
