// Unit tests of the web app's logic (URL state, formatting, live merge, API client) in Node.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['web/test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results-web.json' }]],
  },
});
