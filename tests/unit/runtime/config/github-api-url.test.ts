import { describe, expect, it } from 'vitest';
import { isHttpsOrLoopback } from '../../../../runtime/config/https-or-loopback.js';
import { loadConfig } from '../../../../app/config/load-config.js';
import { ConfigError } from '../../../../core/errors.js';

const load = (apiUrl: string) => loadConfig({ cwd: '/nonexistent', env: { GITHUB_API_URL: apiUrl } });

describe('github.apiUrl', () => {
  it('accepts https anywhere', () => {
    expect(load('https://ghe.example.com/api/v3').config.github.apiUrl).toBe(
      'https://ghe.example.com/api/v3',
    );
  });

  it.each(['http://127.0.0.1:9', 'http://127.8.9.10/api', 'http://localhost:3000', 'http://[::1]:8080'])(
    'accepts http to the loopback address %s',
    (apiUrl) => {
      expect(load(apiUrl).config.github.apiUrl).toBe(apiUrl);
    },
  );

  it.each(['http://ghe.example.com/api/v3', 'http://10.0.0.5', 'http://128.0.0.1', 'ftp://127.0.0.1'])(
    'refuses %s, naming GITHUB_API_URL and asking for https',
    (apiUrl) => {
      expect(() => load(apiUrl)).toThrow(ConfigError);
      expect(() => load(apiUrl)).toThrow(/GITHUB_API_URL.*expected an https URL/);
    },
  );
});

describe('isHttpsOrLoopback', () => {
  it('reads the host as a URL parser does, so look-alike hosts are not loopback', () => {
    expect(isHttpsOrLoopback('http://127.1')).toBe(true);
    expect(isHttpsOrLoopback('http://localhost.example.com')).toBe(false);
    expect(isHttpsOrLoopback('http://127.0.0.1.example.com')).toBe(false);
    expect(isHttpsOrLoopback('http://127.0.0.1@evil.example.com')).toBe(false);
    expect(isHttpsOrLoopback('not a url')).toBe(false);
  });
});
