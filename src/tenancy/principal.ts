// Who is calling: anonymous, a signed-in user of a tenant, or an API key of a tenant. Set by the
// auth middleware on every request as `c.var.principal`; everything downstream reads only this.
import type { PlanId } from '../billing/plans';

export const ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { owner: 4, admin: 3, member: 2, viewer: 1 };

/** True when `role` grants at least what `needed` grants. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export interface AnonymousPrincipal {
  kind: 'anonymous';
  ip: string;
}

export interface TenantPrincipal {
  kind: 'user' | 'api_key';
  tenantId: string;
  plan: PlanId;
  role: Role;
  ip: string;
  /** `usr_…` for users; the key's creator (if known) for API keys. */
  userId: string | null;
  /** `key_…` for API keys. */
  keyId: string | null;
  /** GPUBroker staff; only ever true for users. */
  isPlatformAdmin: boolean;
  /** Epoch ms at which the access token expires (users only); live connections close then. */
  tokenExpiresAt?: number;
}

export type Principal = AnonymousPrincipal | TenantPrincipal;
