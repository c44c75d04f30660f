import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { defineConfig } from 'vitest/config';

/** A fresh EC P-256 signing key per test run, as the JWT_PRIVATE_KEY secret would hold it. */
function testSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `test-${randomUUID().slice(0, 8)}` });
}

export default defineConfig({
  plugins: [
    cloudflareTest(async () => ({
      main: './src/index.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // wrangler.toml serves the Vite build (web/dist), which may be absent or stale here; these tests
        // call the Worker directly and never read an asset, so the web app's sources stand in for it.
        assets: { directory: './web/public' },
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations('./migrations'),
          ENVIRONMENT: 'test',
          JWT_PRIVATE_KEY: testSigningKey(),
          // A second key the service does not trust, for forged-token tests.
          TEST_FOREIGN_PRIVATE_KEY: testSigningKey(),
          SIM_ENABLED: 'true',
          SIM_SEED: '42',
          SIM_OFFERS: '300',
          // Vast.ai needs no key, so it would be pulled over the network; tests opt in with a fake fetch.
          PROVIDERS_DISABLED: 'vastai',
          // Most tests call the API anonymously from one address; rate-limit tests set their own limits.
          ANON_RATE_LIMIT_PER_MIN: '100000',
          // Deployments: env sealing key, the secret shared with the agent (which tests run in process), and our URL.
          DEPLOY_ENV_KEY: randomBytes(32).toString('base64'),
          AGENT_SECRET: randomBytes(32).toString('hex'),
          API_PUBLIC_URL: 'http://gpubroker.test',
          // Staff whose email makes them platform admins (test/admin).
          PLATFORM_ADMIN_EMAILS: 'staff@gpubroker.test, ops@gpubroker.test',
          // Payments: test credentials; provider calls go to a fake fetch (test/billing/payments/fakes.ts). Two
          // webhook secrets, as during a rotation.
          STRIPE_SECRET_KEY: 'sk_test_vitest',
          STRIPE_WEBHOOK_SECRET: 'whsec_test_current,whsec_test_previous',
          STRIPE_API_URL: 'https://stripe.test',
          PAYPAL_CLIENT_ID: 'paypal-test-client',
          PAYPAL_CLIENT_SECRET: 'paypal-test-secret',
          PAYPAL_WEBHOOK_ID: 'WH0TESTWEBHOOK',
          PAYPAL_API_URL: 'https://paypal.test',
          // Recommendations check for a newer ingestion on every request, so a test sees the market it just wrote.
          RECOMMEND_SNAPSHOT_TTL_MS: '0',
          // Alerts: the key that seals webhook signing secrets (tests fake DNS and receivers through setAlertsFetch).
          ALERTS_SECRET_KEY: randomBytes(32).toString('base64'),
        },
      },
    })),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    // A few tests walk every route as every role or fire hundreds of requests at once: generous on a loaded 2-core machine.
    testTimeout: 30_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
