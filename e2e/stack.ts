// The whole product as separate processes, for end-to-end tests: the Worker under wrangler's dev
// server (workerd with local D1, Durable Objects, the DEPLOY_JOBS queue and its consumer) and the pod
// agent as a Node process, talking over HTTP with signed requests both ways, like `npm start`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unstable_startWorker } from 'wrangler';
import { freePort, waitForHealth } from './net';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

/** A JSON caller for the API as one signed-in user: each call has its own Idempotency-Key. */
export function apiCaller(base: () => string, token: () => string) {
  return async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(base() + path, {
      method,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => null)) as T };
  };
}

export interface Stack {
  api: string;
  agent: string;
  /** Runs the cron trigger (ingestion + reconcile + billing) and waits for the ingestion. */
  cron(): Promise<void>;
  /** Runs one SQL statement on the local D1 database (test setup, e.g. making a user platform admin). */
  sql(command: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(agentEnv: Record<string, string> = {}, workerEnv: Record<string, string> = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubroker-e2e-'));
  const [apiPort, agentPort] = [await freePort(), await freePort()];
  const secret = randomBytes(32).toString('hex');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const vars: Record<string, string> = {
    ENVIRONMENT: 'development',
    SIM_ENABLED: 'true',
    SIM_SEED: '42',
    PROVIDERS_DISABLED: 'vastai',
    ANON_RATE_LIMIT_PER_MIN: '100000',
    PLAN_RATE_LIMIT_MULTIPLIER: '1000',
    JWT_PRIVATE_KEY: JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: `e2e-${randomUUID().slice(0, 8)}` }),
    DEPLOY_ENV_KEY: randomBytes(32).toString('base64'),
    AGENT_SECRET: secret,
    AGENT_URL: `http://127.0.0.1:${agentPort}`,
    API_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    ...workerEnv,
  };
  const envFile = join(dir, 'worker.env');
  // dotenv: single quotes keep a value literal (the JSON key included).
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n');
  const persist = join(dir, 'state');
  const migrate = spawnSync(bin('wrangler'), ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist], {
    cwd: root,
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
  const build = spawnSync('npm', ['run', '--silent', 'build:agent'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`agent build failed: ${build.stderr}`);

  const agent: ChildProcess = spawn(process.execPath, [join(root, 'dist', 'agent', 'agent.mjs')], {
    cwd: root,
    env: { PATH: process.env.PATH, AGENT_PORT: String(agentPort), HOST: '127.0.0.1', AGENT_SECRET: secret, SIM_SEED: '42', ...agentEnv },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let worker: Awaited<ReturnType<typeof unstable_startWorker>>;
  try {
    worker = await unstable_startWorker({
      config: join(root, 'wrangler.toml'),
      envFiles: [envFile],
      dev: { server: { hostname: '127.0.0.1', port: apiPort }, persist, inspector: false, logLevel: 'warn', testScheduled: true, enableContainers: false },
    });
    await worker.ready;
  } catch (err) {
    // A stack that failed to start must not leave its agent process behind.
    agent.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const api = `http://127.0.0.1:${apiPort}`;
  const agentUrl = `http://127.0.0.1:${agentPort}`;
  await waitForHealth(`${agentUrl}/healthz`, 'the agent');
  return {
    api,
    agent: agentUrl,
    async cron() {
      const res = await fetch(`${api}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
      if (!res.ok) throw new Error(`cron answered ${res.status}`);
      // The scheduled handler's work runs in waitUntil: wait for the ingestion it started to finish.
      for (let i = 0; i < 200; i++) {
        const health = (await (await fetch(`${api}/healthz`)).json()) as { lastIngestion: unknown };
        if (health.lastIngestion) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async sql(command: string) {
      const run = spawnSync(bin('wrangler'), ['d1', 'execute', 'DB', '--local', '--persist-to', persist, '--command', command], {
        cwd: root,
        env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false' },
        encoding: 'utf8',
      });
      if (run.status !== 0) throw new Error(`d1 execute failed: ${run.stderr}`);
      // The dev server drops its open connections after an outside write to the database: the next
      // request on a kept-alive socket fails once. Wait until it answers again.
      for (let i = 0; ; i++) {
        try {
          if ((await fetch(`${api}/healthz`)).ok) return;
        } catch {
          if (i > 50) throw new Error('the API did not answer after d1 execute');
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      agent.kill('SIGTERM');
      await worker.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
