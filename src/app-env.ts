// The typed Hono environment: bindings plus the per-request values middleware sets.
import type { Bindings, Config } from './env';
import type { Principal } from './tenancy/principal';

export interface AppEnv {
  Bindings: Bindings;
  Variables: {
    requestId: string;
    config: Config;
    /** D1 session for reads (replica-friendly); writes use env.DB. */
    readDb: D1Database | D1DatabaseSession;
    /** Who is calling; set by the auth middleware before any route runs. */
    principal: Principal;
  };
}
