// End-to-end tests in Node: the Worker under wrangler's dev server plus the agent process (e2e/stack.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['e2e/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results-e2e.json' }]],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
