import { describe, expect, it } from 'vitest';
import {
  createHostCheck,
  createOriginCheck,
  isLoopback,
  parseHostHeader,
} from '../../../../runtime/mcp/request-origin.js';

describe('parseHostHeader', () => {
  it('reads names, IPv4 and bracketed IPv6 with and without a port, lower-cased', () => {
    expect(parseHostHeader('Example.COM.:8080')).toEqual({ hostname: 'example.com', port: 8080 });
    expect(parseHostHeader('127.0.0.1')).toEqual({ hostname: '127.0.0.1', port: undefined });
    expect(parseHostHeader('[::1]:7400')).toEqual({ hostname: '::1', port: 7400 });
  });

  it('refuses what is not a host', () => {
    for (const bad of ['', 'a b', 'user@host', 'host:99999', 'host:port', '::1:7400', 'a/b'])
      expect(parseHostHeader(bad), bad).toBeUndefined();
  });
});

describe('createHostCheck', () => {
  it('accepts the loopback names on any port and refuses a rebound name (the attack)', () => {
    const allowed = createHostCheck({ bound: '127.0.0.1' });
    for (const host of ['localhost:7400', '127.0.0.1:7400', '127.1.2.3', '[::1]:9', 'LOCALHOST'])
      expect(allowed(host), host).toBe(true);
    for (const host of ['evil.example:7400', 'localhost.evil.example', '10.0.0.5:7400', undefined, ''])
      expect(allowed(host), String(host)).toBe(false);
  });

  it('accepts the bound address, and any IP literal only when bound to every interface', () => {
    expect(createHostCheck({ bound: '10.0.0.5' })('10.0.0.5:7400')).toBe(true);
    expect(createHostCheck({ bound: '10.0.0.5' })('10.0.0.6:7400')).toBe(false);
    const wildcard = createHostCheck({ bound: '0.0.0.0' });
    expect(wildcard('192.168.1.20:7400')).toBe(true);
    expect(wildcard('[fe80::1]:7400')).toBe(true);
    expect(wildcard('bridge.internal:7400')).toBe(false);
  });

  it('accepts configured names: any port, one port, or the subdomains of a domain', () => {
    const allowed = createHostCheck({
      bound: '0.0.0.0',
      allowedHosts: ['bridge.internal', 'api.example.com:443', '*.corp.example'],
    });
    expect(allowed('bridge.internal:7400')).toBe(true);
    expect(allowed('api.example.com:443')).toBe(true);
    expect(allowed('api.example.com:8443')).toBe(false);
    expect(allowed('a.b.corp.example')).toBe(true);
    expect(allowed('corp.example')).toBe(false);
    expect(allowed('evilcorp.example')).toBe(false);
  });

  it('refuses a configured entry that is not a host name at once', () => {
    expect(() => createHostCheck({ bound: '127.0.0.1', allowedHosts: ['http://x'] })).toThrow(RangeError);
  });
});

describe('createOriginCheck', () => {
  it("allows no Origin, the request's own origin and listed ones; never another site or null", () => {
    const allowed = createOriginCheck(['https://console.example.com/']);
    expect(allowed(undefined, '127.0.0.1:7400')).toBe(true);
    expect(allowed('http://127.0.0.1:7400', '127.0.0.1:7400')).toBe(true);
    expect(allowed('https://console.example.com', '127.0.0.1:7400')).toBe(true);
    expect(allowed('http://evil.example', '127.0.0.1:7400')).toBe(false);
    // The same server under another loopback name, on the same port; not on another port.
    expect(allowed('http://localhost:7400', '127.0.0.1:7400')).toBe(true);
    expect(allowed('http://[::1]:7400', 'localhost:7400')).toBe(true);
    expect(allowed('http://localhost:8000', '127.0.0.1:7400')).toBe(false);
    expect(allowed('http://evil.example:7400', '127.0.0.1:7400')).toBe(false);
    expect(allowed('null', '127.0.0.1:7400')).toBe(false);
    expect(allowed('http://127.0.0.1:7400', undefined)).toBe(false);
  });
});

describe('isLoopback', () => {
  it('knows 127.0.0.0/8 and ::1, and not names', () => {
    for (const host of ['127.0.0.1', '127.9.9.9', '::1', '[::1]', '::ffff:127.0.0.1'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['localhost', '10.0.0.1', '::', '0.0.0.0']) expect(isLoopback(host)).toBe(false);
  });
});
