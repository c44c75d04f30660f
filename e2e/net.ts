// Small network helpers the end-to-end stacks share: a free local port, and waiting for a process's
// health URL.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls a health URL every 100 ms until it answers 2xx; gives up after about 10 s of refusals. */
export async function waitForHealth(url: string, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      if (i > 100) throw new Error(`${what} did not start`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
