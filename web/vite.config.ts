// Builds the web app (web/) into web/dist, which the Worker serves as static assets (wrangler.toml [assets]).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  publicDir: 'public',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // One file per lazy page; the shell (router, API client, Lit) stays in the entry.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` for UI work against a running `npm start` (PORT 8787 unless told otherwise).
    proxy: { '/v1': { target: `http://127.0.0.1:${process.env.PORT ?? 8787}`, ws: true } },
  },
});
