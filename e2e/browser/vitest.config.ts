// Browser end-to-end tests: Debian's Chromium (playwright-core) against `npm start` (scripts/dev.mjs).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['e2e/browser/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results-browser.json' }]],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    // One product and one browser are shared by the steps of a flow, in order.
    sequence: { concurrent: false },
  },
});
