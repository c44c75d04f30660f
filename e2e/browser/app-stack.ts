// The product exactly as `npm start` runs it (scripts/dev.mjs: web build, migrations, the agent,
// wrangler dev with the static assets), on free ports with a temporary state folder, for the browser
// tests. The cron is driven by the tests (/__scheduled), so each ingestion happens when they ask.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../net';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Health {
  lastIngestion: { id: string; startedAt: string; finishedAt: string } | null;
}

export interface AppStack {
  base: string;
  /** The local payments sandbox (scripts/payments-sandbox.mjs) that plays Stripe and PayPal. */
  payments: string;
  /** The state folder of this run (npm start keeps its local secrets there). */
  dir: string;
  /** Runs the cron trigger and waits until its ingestion has finished; returns that ingestion's start. */
  cron(): Promise<Date>;
  lastIngestion(): Promise<Health['lastIngestion']>;
  log(): string;
  stop(): Promise<void>;
}

export async function startAppStack(): Promise<AppStack> {
  const dir = mkdtempSync(join(tmpdir(), 'gpubroker-browser-'));
  const [port, agentPort, paymentsPort] = [await freePort(), await freePort(), await freePort()];
  const logFile = join(dir, 'npm-start.log');
  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [join(root, 'scripts', 'dev.mjs')], {
    cwd: root,
    detached: true,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      PORT: String(port),
      AGENT_PORT: String(agentPort),
      // The local Stripe/PayPal sandbox on a free port too (its default, 8789, may be taken).
      PAYMENTS_SANDBOX_PORT: String(paymentsPort),
      HOST: '127.0.0.1',
      LOCAL_STATE_DIR: dir,
      // The tests drive every ingestion after the first one.
      CRON_INTERVAL_MS: String(24 * 3_600_000),
      SIM_SEED: 'browser-e2e',
      // Vast.ai needs no key, so it would be pulled over the network, which this machine does not have.
      PROVIDERS_DISABLED: 'vastai',
      // Flows, not limits, are under test here: one test user makes more requests a minute than Free allows.
      PLAN_RATE_LIMIT_MULTIPLIER: '100',
      ANON_RATE_LIMIT_PER_MIN: '100000',
    },
  });
  const base = `http://127.0.0.1:${port}`;
  let exited = false;
  child.on('exit', () => (exited = true));

  const health = async (): Promise<Health | null> => {
    try {
      const res = await fetch(`${base}/healthz`);
      return res.ok ? ((await res.json()) as Health) : null;
    } catch {
      return null;
    }
  };

  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // npm start builds the web app and the agent, migrates, starts wrangler dev and runs a first ingestion.
  const deadline = Date.now() + 240_000;
  for (;;) {
    const h = await health();
    if (h?.lastIngestion) break;
    if (exited || Date.now() > deadline) {
      const log = readFileSync(logFile, 'utf8');
      await stop();
      throw new Error(`npm start did not come up:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  return {
    base,
    payments: `http://127.0.0.1:${paymentsPort}`,
    dir,
    log: () => readFileSync(logFile, 'utf8'),
    async lastIngestion() {
      return (await health())?.lastIngestion ?? null;
    },
    async cron() {
      const before = (await health())?.lastIngestion?.id;
      const res = await fetch(`${base}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
      if (!res.ok) throw new Error(`cron answered ${res.status}`);
      for (let i = 0; i < 300; i++) {
        const last = (await health())?.lastIngestion;
        if (last && last.id !== before) return new Date(last.startedAt);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the ingestion did not finish within 30 s');
    },
    stop,
  };
}
