// Helpers shared by the benchmarks (bench/run.mjs, bench/live.mjs): small statistics, free ports,
// process groups, and what /proc says about the workerd processes under a wrangler dev server.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { performance } from 'node:perf_hooks';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null);
export const round = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d);
export const mb = (kb) => (kb === null || kb === undefined ? null : round(kb / 1024, 1));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- process groups

export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a started server's whole process group: SIGTERM, up to 5 s, then SIGKILL. `proc`: { child, exited }. */
export async function stopProc(proc) {
  if (proc.exited !== null && !groupAlive(proc.child.pid)) return;
  try {
    process.kill(-proc.child.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && groupAlive(proc.child.pid); i++) await sleep(100);
  try {
    process.kill(-proc.child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// ---------------------------------------------------------------- /proc: workerd memory

export function procTable() {
  const table = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      table.set(Number(entry), { ppid, comm });
    } catch {
      // exited meanwhile
    }
  }
  return table;
}

/** The workerd processes under a wrangler dev process: `proxy` answers the port, `user` runs the Worker. */
export function workerdOf(proc) {
  const table = procTable();
  const found = [];
  for (const [pid, { comm }] of table) {
    if (comm !== 'workerd') continue;
    let p = pid;
    for (let depth = 0; depth < 10 && p > 1; depth++) {
      p = table.get(p)?.ppid ?? 0;
      if (p === proc.child.pid) {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
        found.push({ pid, role: new RegExp(`entry=127\\.0\\.0\\.1:${proc.port}(\\D|$)`).test(cmd) ? 'proxy' : 'user' });
        break;
      }
    }
  }
  return found;
}

export function memKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status);
    const hwm = /VmHWM:\s+(\d+)/.exec(status);
    return { rss: rss ? Number(rss[1]) : null, hwm: hwm ? Number(hwm[1]) : null };
  } catch {
    return null;
  }
}

/** The address the Worker's own workerd listens on (its only listening TCP socket), or null. */
export function directUrl(proc) {
  const user = workerdOf(proc).find((w) => w.role === 'user');
  if (!user) return null;
  const inodes = new Set();
  try {
    for (const fd of readdirSync(`/proc/${user.pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${user.pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return null;
  }
  const ports = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address is HEXIP:HEXPORT; state 0A is LISTEN; inode is field 9; 0100007F is 127.0.0.1.
    if (f.length > 9 && f[3] === '0A' && inodes.has(f[9]) && f[1].startsWith('0100007F:')) ports.push(parseInt(f[1].split(':')[1], 16));
  }
  return ports.length === 1 ? `http://127.0.0.1:${ports[0]}` : null;
}

/** Busy CPU time of the whole machine and of the processes under `rootPids` (and their descendants), in clock ticks. */
export function cpuTicksOf(rootPids) {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]; // user nice system irq softirq steal
  const table = procTable();
  const roots = new Set(rootPids);
  let mine = 0;
  for (const [pid] of table) {
    let p = pid;
    for (let depth = 0; depth < 12 && p > 1; depth++) {
      if (roots.has(p)) {
        try {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          mine += Number(rest[11]) + Number(rest[12]); // utime stime
        } catch {
          // exited
        }
        break;
      }
      p = table.get(p)?.ppid ?? 0;
    }
  }
  return { busy, mine, at: performance.now() };
}

/** Percent of the machine's CPU used by processes that are not this benchmark's, between two samples. */
export function foreignCpuPct(a, b) {
  const capacity = ((b.at - a.at) / 1000) * 100 * (os.availableParallelism?.() ?? os.cpus().length); // USER_HZ = 100
  return round((Math.max(0, b.busy - a.busy - (b.mine - a.mine)) / capacity) * 100, 0);
}
