import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is served by `switchyard start` at /console/, from console/dist. Everything it
// loads is bundled here: no CDN, no external font, and no inline script or style (the server's
// CSP forbids them), so the module-preload polyfill (an inline-free chunk) is all Vite adds.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  logLevel: 'warn',
});
