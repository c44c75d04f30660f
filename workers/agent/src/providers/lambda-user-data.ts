// Lambda rents virtual machines, not containers: the pod's image runs through cloud-init user data
// that starts it with Docker (present, with the NVIDIA runtime, on Lambda's default image). The env
// goes into a root-only env file rather than onto the command line.
import type { PodSpec } from './types';

const ENV_FILE = '/etc/gpubroker/pod.env';

/** Env values Docker's env-file format can hold; the caller names any other as a bad field. */
export function badEnvKeys(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {})
    .filter(([, value]) => /[\r\n]/.test(value))
    .map(([key]) => key);
}

/** A `#cloud-config` document; JSON is valid YAML, which spares us a YAML writer and its quoting rules. */
export function lambdaUserData(spec: PodSpec): string {
  const env = Object.entries(spec.env ?? {});
  const run = ['docker', 'run', '-d', '--restart', 'unless-stopped', '--gpus', 'all', '--name', 'gpubroker'];
  if (env.length > 0) run.push('--env-file', ENV_FILE);
  for (const port of spec.ports ?? []) if (port !== 22) run.push('-p', `${port}:${port}`);
  run.push(spec.image, ...(spec.command ?? []));
  const config = {
    ...(env.length > 0
      ? { write_files: [{ path: ENV_FILE, permissions: '0600', content: env.map(([k, v]) => `${k}=${v}\n`).join('') }] }
      : {}),
    runcmd: [run],
  };
  return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`;
}
