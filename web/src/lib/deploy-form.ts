// The deploy form's values → the POST /v1/deployments body, with the checks the API would make
// named per field first (so a person sees them before submitting). Pure.

export interface DeployFormValues {
  name: string;
  image: string;
  command: string;
  env: Array<{ key: string; value: string }>;
  ports: string;
  sshPublicKey: string;
  diskGb: string;
  maxHours: string;
  maxSpendUsd: string;
  failover: boolean;
}

export interface DeployBody {
  offerId: string;
  name: string;
  image: string;
  command?: string[];
  env?: Record<string, string>;
  ports?: number[];
  sshPublicKey?: string;
  diskGb?: number;
  maxHours?: number;
  maxSpendUsd?: number;
  failover?: { enabled: boolean };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$/;

/** Splits a command line into argv: spaces separate, single or double quotes group. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: '"' | "'" | null = null;
  let any = false;
  for (const ch of line.trim()) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (current || any) out.push(current);
      current = '';
      any = false;
    } else current += ch;
  }
  if (current || any) out.push(current);
  return out;
}

/** The request body, or the problems per field (`name`, `env.2.key` …) when there are any. */
export function deployBody(offerId: string, v: DeployFormValues): { body: DeployBody; errors: null } | { body: null; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const body: DeployBody = { offerId, name: v.name.trim(), image: v.image.trim() };
  if (!body.name) errors.name = 'Give the deployment a name.';
  else if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(body.name)) errors.name = 'Letters, digits, space, dot, dash and underscore; at most 64.';
  if (!body.image) errors.image = 'Which container image should run?';
  else if (!/^[\x21-\x7e]{1,256}$/.test(body.image)) errors.image = 'An image reference has no spaces, e.g. pytorch/pytorch:2.4.0.';
  const command = splitCommand(v.command);
  if (command.length > 32) errors.command = 'At most 32 arguments.';
  else if (command.length) body.command = command;
  const env: Record<string, string> = {};
  v.env.forEach((row, i) => {
    const key = row.key.trim();
    if (!key && !row.value) return;
    if (!ENV_NAME.test(key)) errors[`env.${i}.key`] = 'Letters, digits and _, not starting with a digit.';
    else if (key in env) errors[`env.${i}.key`] = 'Already set above.';
    else env[key] = row.value;
  });
  if (Object.keys(env).length) body.env = env;
  if (v.ports.trim()) {
    const ports = v.ports.split(',').map((p) => p.trim()).filter(Boolean).map(Number);
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535) || ports.length > 16) errors.ports = 'Comma-separated port numbers, 1–65535, at most 16.';
    else body.ports = ports;
  }
  const ssh = v.sshPublicKey.trim();
  if (ssh) {
    if (!SSH_KEY.test(ssh)) errors.sshPublicKey = 'An OpenSSH public key, e.g. ssh-ed25519 AAAA… you@host.';
    else body.sshPublicKey = ssh;
  }
  const positive = (field: 'diskGb' | 'maxHours' | 'maxSpendUsd', text: string, max: number, integer: boolean) => {
    if (!text.trim()) return;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0 || n > max || (integer && !Number.isInteger(n))) errors[field] = `${integer ? 'A whole number' : 'A number'} above 0, at most ${max}.`;
    else body[field] = n;
  };
  positive('diskGb', v.diskGb, 10_000, true);
  positive('maxHours', v.maxHours, 8760, false);
  positive('maxSpendUsd', v.maxSpendUsd, 1_000_000, false);
  if (v.failover) body.failover = { enabled: true };
  return Object.keys(errors).length ? { body: null, errors } : { body, errors: null };
}
