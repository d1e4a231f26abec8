import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { sendError } from './error-replies.js';

/** Where the console is served. */
export const CONSOLE_PATH = '/console/';

/**
 * Security: the console's pages load only what this server serves. No inline script or style
 * (the build emits none), no framing, nothing sent elsewhere; `connect-src 'self'` covers the
 * API and its WebSocket on this origin; images of tool results arrive as data: URLs.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The console's built assets (console/dist, made by `npm run setup`), looked for beside the
 * sources (app/api → ../../console) and beside the compiled code (dist/app/api → ../../../console).
 */
export function findConsoleAssets(from: string = import.meta.dirname): string | undefined {
  for (const up of ['../..', '../../..']) {
    const dir = join(from, up, 'console', 'dist');
    if (existsSync(join(dir, 'index.html'))) return dir;
  }
  return undefined;
}

const setSecurityHeaders = (reply: FastifyReply): FastifyReply =>
  reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer');

/**
 * `GET /` (a redirect) and `GET /console/*`: the web console. Its files are public (they hold no
 * data; every API call the page makes is checked like any other, with the key the person enters).
 * Paths without a file extension are the console's own pages and answer its index.html. Without
 * a build, /console answers 503 with how to make one.
 */
export async function registerConsoleRoutes(app: FastifyInstance, assets: string | undefined): Promise<void> {
  const publicRoute = { config: { scope: 'public' as const }, schema: { hide: true } };
  app.get('/', publicRoute, (_request, reply) => reply.redirect(CONSOLE_PATH, 302));
  app.get('/console', publicRoute, (_request, reply) => reply.redirect(CONSOLE_PATH, 302));
  if (!assets) {
    app.get('/console/*', publicRoute, (_request, reply) =>
      sendError(
        reply,
        'unavailable',
        'the console is not built: run `npm run setup` (or `npm run build:console`)',
      ),
    );
    return;
  }
  // serve: false — one route of ours serves both the files and the pages, with the headers above.
  await app.register(fastifyStatic, { root: assets, serve: false });
  app.get<{ Params: { '*': string } }>('/console/*', publicRoute, (request, reply) => {
    const path = request.params['*'];
    setSecurityHeaders(reply);
    // Hashed asset names never change content: cache them; the page itself is always revalidated.
    if (path.startsWith('assets/')) return reply.sendFile(path, { maxAge: '365d', immutable: true });
    if (/\.[a-z0-9]+$/i.test(path)) return reply.sendFile(path);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
