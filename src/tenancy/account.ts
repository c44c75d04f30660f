// Wires a tenant's account routes into the app: members, API keys and the audit log.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.handlers';
import { createApiKeyRoute, listApiKeysRoute, revokeApiKeyRoute } from './api-keys.routes';
import { listAudit } from './audit.handlers';
import { listAuditRoute } from './audit.routes';
import { addMember, changeMemberRole, listMembers, removeMember } from './members.handlers';
import { addMemberRoute, changeMemberRoleRoute, listMembersRoute, removeMemberRoute } from './members.routes';

export function registerAccount(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listMembersRoute, listMembers);
  app.openapi(addMemberRoute, addMember);
  app.openapi(changeMemberRoleRoute, changeMemberRole);
  app.openapi(removeMemberRoute, removeMember);
  app.openapi(listApiKeysRoute, listApiKeys);
  app.openapi(createApiKeyRoute, createApiKey);
  app.openapi(revokeApiKeyRoute, revokeApiKey);
  app.openapi(listAuditRoute, listAudit);
}
