// The agent's tests: plain vitest in Node (no workerd), only workers/agent/test.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['workers/agent/test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results-agent.json' }]],
    testTimeout: 15_000,
  },
});
