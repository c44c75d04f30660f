// The metering statements reach every row through an index: a page of windows is a scan of its own
// JSON array plus key lookups, never a scan of the deployments or the ledger, which grow without end.
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { METER_SQL } from '../../src/billing/meter';

describe('metering query plans', () => {
  it.each(Object.entries(METER_SQL()))('%s scans no table', async (_name, sql) => {
    const params = (sql.match(/\?\d/g) ?? []).reduce((m, p) => Math.max(m, Number(p.slice(1))), 0);
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...['[]', 1, 2].slice(0, params))
      .all<{ detail: string }>();
    const plan = results.map((r) => r.detail);
    expect(plan.filter((line) => /^SCAN /.test(line) && !/VIRTUAL TABLE|^SCAN a$|CONSTANT ROW/.test(line)), plan.join('\n')).toEqual([]);
  });
});
