// The typed Hono environment: bindings plus the per-request values middleware sets.
import type { Bindings, Config } from './env';

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: Config;
    /** D1 session for reads (replica-friendly); writes use env.DB. */
    readDb: D1Database | D1DatabaseSession;
  };
}
