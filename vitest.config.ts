import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: './src/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('./migrations'),
          ENVIRONMENT: 'test',
          SIM_ENABLED: 'true',
          SIM_SEED: '42',
          SIM_OFFERS: '300',
          // Vast.ai needs no key, so it would be pulled over the network; tests opt in with a fake fetch.
          PROVIDERS_DISABLED: 'vastai',
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
