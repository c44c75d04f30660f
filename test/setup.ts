// Applies the D1 migrations before each test file, and empties every table before each test so
// tests never see each other's rows.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach } from 'vitest';

if (!env.TEST_MIGRATIONS) throw new Error('vitest.config.ts must pass TEST_MIGRATIONS');
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

const { results: tables } = await env.DB.prepare(
  `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'd1_%' AND name NOT LIKE '_cf_%'`,
).all<{ name: string }>();

beforeEach(async () => {
  await env.DB.batch(tables.map((t) => env.DB.prepare(`DELETE FROM "${t.name}"`)));
});
