// Tenant isolation, walked from the app's own OpenAPI document so a new route cannot be skipped.
//
// Rule proved here: for every route that takes an id, a caller of tenant A gets 404 for tenant B's
// object, whatever A's role (owner, admin, member, viewer) and whether A signs in as a user or sends an
// API key, and B's object is left exactly as it was. The 404 is the same answer as for an id that
// does not exist at all. A 403 is accepted in exactly one case: the role may not call the route at
// all, which the route-level role check decides before any lookup. That is proved by making the same
// call on an object of A's own tenant, which must also answer 403, so the 403 says nothing about B.
// Owners may call every route, so they must always get 404.
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '../../src/tenancy/principal';
import { api, json } from '../helpers';
import { addApiKey, addMember, createTenant, type TestTenant } from './fixtures';
import { insertDeployment } from '../deployments/fixtures';
import { insertConversation } from '../assistant/fixtures';
import { insertAlert } from '../alerts/fixtures';
import { idem, send, type ProblemBody } from './calls';
import { randomId } from '../../src/catalog/ids';

/** Id-taking routes that serve public market data, not tenant rows. Anything else must be listed below. */
const PUBLIC_ID_PATHS = ['/v1/offers/{id}', '/v1/gpus/{model}', '/v1/gpus/{model}/history', '/v1/gpus/{model}/forecast'];

/** Id-taking routes for platform admins only (not tenant rows): every tenant caller, owners included, gets 403. */
const PLATFORM_ADMIN_ID_PATHS = ['/v1/admin/webhooks/{id}/retry'];
const notTenantPath = (p: string) => PUBLIC_ID_PATHS.includes(p) || PLATFORM_ADMIN_ID_PATHS.includes(p);

interface TenantIdRoute {
  /** Makes a fresh object of this kind in the tenant and returns its id. */
  make: (tenantId: string) => Promise<string>;
  /** The stored row(s) of the object, to prove a refused call changed nothing. */
  snapshot: (tenantId: string, id: string) => Promise<unknown>;
  /** A valid body for each method the document lists (undefined: no body). */
  bodies: Record<string, unknown>;
}

const TENANT_ID_ROUTES: Record<string, TenantIdRoute> = {
  '/v1/members/{id}': {
    make: async (tenantId) => (await addMember(tenantId, 'viewer')).userId,
    snapshot: (tenantId, id) => env.DB.prepare('SELECT * FROM memberships WHERE tenant_id = ?1 AND user_id = ?2').bind(tenantId, id).first(),
    bodies: { patch: { role: 'member' }, delete: undefined },
  },
  '/v1/api-keys/{id}': {
    make: async (tenantId) => (await addApiKey(tenantId, 'viewer')).id,
    snapshot: (tenantId, id) => env.DB.prepare('SELECT * FROM api_keys WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first(),
    bodies: { delete: undefined },
  },
  '/v1/assistant/conversations/{id}': {
    make: (tenantId) => insertConversation(tenantId),
    snapshot: async (tenantId, id) => ({
      conversation: await env.DB.prepare('SELECT * FROM assistant_conversations WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first(),
      turns: (await env.DB.prepare('SELECT * FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2').bind(tenantId, id).all()).results,
    }),
    bodies: { get: undefined, delete: undefined },
  },
  '/v1/billing/payments/{id}': {
    make: async (tenantId) => {
      const id = randomId('pay_');
      await env.DB.prepare(
        `INSERT INTO payment_orders (id, tenant_id, provider, provider_order_id, amount_micro, status, created_at, updated_at) VALUES (?1, ?2, 'stripe', ?3, 50000000, 'created', ?4, ?4)`,
      )
        .bind(id, tenantId, `cs_test_${id}`, Date.now())
        .run();
      return id;
    },
    snapshot: (tenantId, id) => env.DB.prepare('SELECT * FROM payment_orders WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first(),
    bodies: { get: undefined },
  },
  ...Object.fromEntries(
    (
      [
        ['/v1/deployments/{id}', { get: undefined, delete: undefined }],
        ['/v1/deployments/{id}/events', { get: undefined }],
        ['/v1/deployments/{id}/stop', { post: undefined }],
        ['/v1/deployments/{id}/start', { post: undefined }],
      ] as const
    ).map(([path, bodies]) => [
      path,
      {
        make: async (tenantId: string) => (await insertDeployment(tenantId, { status: path.endsWith('start') ? 'stopped' : 'running' })).id,
        snapshot: (tenantId: string, id: string) => env.DB.prepare('SELECT * FROM deployments WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first(),
        bodies,
      } satisfies TenantIdRoute,
    ]),
  ),
  ...Object.fromEntries(
    ['/v1/billing/invoices/{id}', '/v1/billing/invoices/{id}/html'].map((path) => [
      path,
      {
        make: async (tenantId: string) => {
          const id = randomId('inv_');
          const start = Date.UTC(2026, 9, 1) - Math.floor(Math.random() * 1e6) * 86_400_000; // a distinct month per call
          await env.DB.prepare(
            `INSERT INTO invoices (id, tenant_id, period_start, period_end, issued_at, opening_balance_micro, closing_balance_micro, charges_micro, totals, transaction_count)
             VALUES (?1, ?2, ?3, ?3, ?3, 0, 0, 0, '{}', 0)`,
          )
            .bind(id, tenantId, start)
            .run();
          return id;
        },
        snapshot: (tenantId: string, id: string) => env.DB.prepare('SELECT * FROM invoices WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first(),
        bodies: { get: undefined },
      } satisfies TenantIdRoute,
    ]),
  ),
  ...Object.fromEntries(
    (
      [
        ['/v1/alerts/{id}', { get: undefined, delete: undefined }],
        ['/v1/alerts/{id}/deliveries', { get: undefined }],
      ] as const
    ).map(([path, bodies]) => [
      path,
      {
        make: insertAlert,
        snapshot: (tenantId: string, id: string) => env.DB.prepare('SELECT * FROM alerts WHERE tenant_id = ?1 AND id = ?2').bind(tenantId, id).first(),
        bodies,
      } satisfies TenantIdRoute,
    ]),
  ),
};

/** Ids that exist in no tenant, per route, for the "same as missing" comparison. */
const MISSING_IDS: Record<string, string> = {
  '/v1/members/{id}': 'usr_0000000000000000',
  '/v1/api-keys/{id}': 'key_0000000000000000',
  '/v1/deployments/{id}': 'dep_0000000000000000',
  '/v1/deployments/{id}/events': 'dep_0000000000000000',
  '/v1/deployments/{id}/stop': 'dep_0000000000000000',
  '/v1/deployments/{id}/start': 'dep_0000000000000000',
  '/v1/assistant/conversations/{id}': 'cnv_0000000000000000',
  '/v1/billing/payments/{id}': 'pay_0000000000000000',
  '/v1/billing/invoices/{id}': 'inv_0000000000000000',
  '/v1/billing/invoices/{id}/html': 'inv_0000000000000000',
  '/v1/alerts/{id}': 'alr_0000000000000000',
  '/v1/alerts/{id}/deliveries': 'alr_0000000000000000',
};

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

interface Caller {
  label: string;
  role: Role;
  token: string;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, unknown>>;
}

async function openApi(): Promise<OpenApiDoc> {
  const res = await api('/openapi.json');
  expect(res.status).toBe(200);
  return json<OpenApiDoc>(res);
}

/** A caller per role, as a signed-in user and as an API key of that role. */
async function callersOf(t: TestTenant): Promise<Caller[]> {
  const callers: Caller[] = [];
  for (const role of ROLES) {
    const user = role === 'owner' ? { token: t.ownerToken } : await addMember(t.tenantId, role);
    callers.push({ label: `${role} user`, role, token: user.token });
    callers.push({ label: `${role} API key`, role, token: (await addApiKey(t.tenantId, role)).key });
  }
  return callers;
}

const call = (method: string, path: string, token: string, body: unknown) =>
  send<ProblemBody>(method.toUpperCase(), path, token, body, method === 'post' ? idem() : {});

let a: TestTenant;
let b: TestTenant;

beforeEach(async () => {
  // Enterprise plans so the walk stays far below the rate limit.
  a = await createTenant({ plan: 'enterprise', name: 'Tenant A' });
  b = await createTenant({ plan: 'enterprise', name: 'Tenant B' });
});

describe('tenant isolation', () => {
  it('covers every id-taking route: each is public market data or listed here with a body per method', async () => {
    const doc = await openApi();
    const idPaths = Object.keys(doc.paths).filter((p) => p.includes('{'));
    for (const path of [...PUBLIC_ID_PATHS, ...PLATFORM_ADMIN_ID_PATHS]) expect(idPaths).toContain(path);
    const tenantPaths = idPaths.filter((p) => !notTenantPath(p));
    expect(tenantPaths.sort()).toEqual(Object.keys(TENANT_ID_ROUTES).sort());
    for (const path of tenantPaths) {
      const methods = Object.keys(doc.paths[path]!).filter((m) => METHODS.includes(m));
      expect({ path, methods: methods.sort() }).toEqual({ path, methods: Object.keys(TENANT_ID_ROUTES[path]!.bodies).sort() });
    }
  });

  // Every caller × every id-taking route × every method: many requests, so more than the default 5 s.
  it("answers 404 to every role of tenant A for tenant B's objects on every id-taking route, and changes nothing", async () => {
    const doc = await openApi();
    const callers = await callersOf(a);
    const bAuditBefore = await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = ?1').bind(b.tenantId).first<{ n: number }>();
    const outcomes: string[] = [];
    for (const path of Object.keys(doc.paths).filter((p) => p.includes('{') && !notTenantPath(p))) {
      const route = TENANT_ID_ROUTES[path]!;
      for (const method of Object.keys(doc.paths[path]!).filter((m) => METHODS.includes(m))) {
        const body = route.bodies[method];
        for (const caller of callers) {
          const what = `${method.toUpperCase()} ${path} as A's ${caller.label}`;
          // A fresh object of B's per call, so one wrongly allowed call cannot hide behind another.
          const theirs = await route.make(b.tenantId);
          const before = await route.snapshot(b.tenantId, theirs);
          const res = await call(method, path.replace(/\{[^}]+\}/, theirs), caller.token, body);
          expect(await route.snapshot(b.tenantId, theirs), `${what} changed B's object`).toEqual(before);
          if (res.status === 403 && caller.role !== 'owner') {
            // Allowed only when the role check refuses the route outright: the same call on A's own
            // object must be refused the same way.
            const ours = await route.make(a.tenantId);
            const own = await call(method, path.replace(/\{[^}]+\}/, ours), caller.token, body);
            expect(own.status, `${what}: 403 for B's object but ${own.status} for A's own`).toBe(403);
            expect(own.body.detail).toBe(res.body.detail);
            outcomes.push(`${what}: 403 (role check, same for own objects)`);
            continue;
          }
          expect(res.status, `${what}`).toBe(404);
          // Indistinguishable from an id that exists nowhere.
          const missing = await call(method, path.replace(/\{[^}]+\}/, MISSING_IDS[path]!), caller.token, body);
          expect(missing.status, `${what}: missing id`).toBe(404);
          expect(res.body.type).toBe(missing.body.type);
          expect(res.body.detail?.replace(theirs, '<id>')).toBe(missing.body.detail?.replace(MISSING_IDS[path]!, '<id>'));
          outcomes.push(`${what}: 404`);
        }
      }
    }
    // 16 route-methods × 8 callers; owners and admins always reach the lookup.
    expect(outcomes).toHaveLength(128);
    expect(outcomes.filter((o) => /A's (owner|admin) /.test(o)).every((o) => o.endsWith(': 404'))).toBe(true);
    const bAuditAfter = await env.DB.prepare('SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = ?1').bind(b.tenantId).first<{ n: number }>();
    expect(bAuditAfter).toEqual(bAuditBefore);
    // A walk of several hundred requests: more than the default 5 s on a busy machine.
  }, 60_000);

  it("never shows tenant B's rows in any of tenant A's lists, for any role", async () => {
    // Give B members, keys, an alert and audit rows of its own.
    const bMember = await addMember(b.tenantId, 'member');
    const bAlert = await insertAlert(b.tenantId);
    const bKey = await send<{ id: string; key: string; preview: string }>('POST', '/v1/api-keys', b.ownerToken, { name: 'B secret key', role: 'viewer' }, idem());
    expect(bKey.status).toBe(201);
    expect((await send('PATCH', `/v1/members/${bMember.userId}`, b.ownerToken, { role: 'viewer' })).status).toBe(200);
    const { results: bAudit } = await env.DB.prepare('SELECT id FROM audit_log WHERE tenant_id = ?1').bind(b.tenantId).all<{ id: string }>();
    const bPayment = await TENANT_ID_ROUTES['/v1/billing/payments/{id}']!.make(b.tenantId);
    const bSecrets = [bPayment, b.tenantId, b.ownerId, b.ownerEmail, b.apiKeyId, bMember.userId, bMember.email, bKey.body.id, bKey.body.key, bKey.body.preview, 'Tenant B', 'B secret key', bAlert, ...bAudit.map((r) => r.id)];

    // Give A rows in each list too, so an empty list cannot pass by accident.
    await addMember(a.tenantId, 'viewer');
    const callers = await callersOf(a);

    // Every parameterless GET in the document: the tenant lists and everything else a caller can read.
    const doc = await openApi();
    // The live streams carry only public market data (no tenant rows) and are not plain GETs; test/live covers them.
    const streams = ['/v1/live', '/v1/live/sse'];
    const lists = Object.keys(doc.paths).filter((p) => !p.includes('{') && doc.paths[p]!.get && !streams.includes(p));
    for (const path of ['/v1/members', '/v1/api-keys', '/v1/audit']) expect(lists).toContain(path);
    let tenantRowsSeen = 0;
    for (const path of lists) {
      for (const caller of callers) {
        const res = await send<{ data?: unknown[] }>('GET', path, caller.token);
        expect([200, 403], `GET ${path} as A's ${caller.label}`).toContain(res.status);
        const text = JSON.stringify(res.body);
        for (const secret of bSecrets) expect(text.includes(secret), `GET ${path} as A's ${caller.label} shows ${secret}`).toBe(false);
        if (res.status === 200 && ['/v1/members', '/v1/api-keys', '/v1/audit'].includes(path)) {
          expect(res.body.data?.length, `GET ${path} as A's ${caller.label} is empty`).toBeGreaterThan(0);
          tenantRowsSeen++;
        }
      }
    }
    // members: all 8 callers; api-keys and audit: owner and admin users and keys.
    expect(tenantRowsSeen).toBe(16);
  }, 60_000);

  it('refuses the platform-admin id routes to every tenant caller, owners included', async () => {
    const callers = await callersOf(a);
    for (const path of PLATFORM_ADMIN_ID_PATHS) {
      for (const caller of callers) {
        const res = await call('post', path.replace('{id}', 'whk_0000000000000000'), caller.token, undefined);
        expect(res.status, `${path} as A's ${caller.label}`).toBe(403);
      }
    }
  });
});
