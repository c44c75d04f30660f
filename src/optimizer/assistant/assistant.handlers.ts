// Assistant endpoints. Anonymous callers get one-off answers; tenants get stored conversations, read
// from the primary (env.DB) so a follow-up sent right after its turn always sees it.
import type { RouteHandler } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env';
import { randomId } from '../../catalog/ids';
import { notFound } from '../../http/problem';
import { iso } from '../../http/time';
import { tenantOf, unauthorized } from '../../tenancy/auth.middleware';
import type { assistantRoute, deleteConversationRoute, getConversationRoute } from './assistant.routes';
import { assist } from './assistant';
import { appendTurnStatements, deleteConversation, loadConversation, readConversation } from './conversations';
import type { PreviousRequest } from './interpret';

export const postAssistant: RouteHandler<typeof assistantRoute, AppEnv> = async (c) => {
  const { message, conversationId } = c.req.valid('json');
  const principal = c.var.principal;
  if (conversationId && principal.kind === 'anonymous') throw unauthorized('conversations belong to a tenant: sign in or send an API key');
  const tenant = principal.kind === 'anonymous' ? undefined : principal;

  let previous: PreviousRequest | undefined;
  if (tenant && conversationId) {
    const conversation = await loadConversation(c.env.DB, tenant.tenantId, conversationId);
    if (!conversation) throw notFound(`no conversation ${conversationId}`);
    previous = conversation.last;
  }

  const now = Date.now();
  const { ASSISTANT_AI_MODEL: model, ASSISTANT_AI_TIMEOUT_MS: timeoutMs } = c.var.config;
  const result = await assist({ message, previous, db: c.var.readDb, ai: c.env.AI, aiOptions: { model, timeoutMs }, now });

  let id: string | null = null;
  if (tenant) {
    id = conversationId ?? randomId('cnv_');
    await c.env.DB.batch(
      appendTurnStatements(c.env.DB, {
        tenantId: tenant.tenantId,
        conversationId: id,
        create: conversationId === undefined,
        createdBy: tenant.kind === 'api_key' ? tenant.keyId : tenant.userId,
        message,
        request: result.request,
        interpretation: result.interpretation,
        reply: result.reply,
        now,
      }),
    );
  }
  return c.json(
    {
      conversationId: id,
      interpretation: result.interpretation,
      data: result.data,
      reply: result.reply,
      replySource: result.replySource,
      ...(result.ai ? { ai: result.ai } : {}),
    },
    200,
  );
};

export const getConversation: RouteHandler<typeof getConversationRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  const conversation = await readConversation(c.env.DB, tenantId, id);
  if (!conversation) throw notFound(`no conversation ${id}`);
  return c.json(
    {
      ...conversation,
      createdAt: iso(conversation.createdAt),
      updatedAt: iso(conversation.updatedAt),
      turns: conversation.turns.map((t) => ({ ...t, createdAt: iso(t.createdAt) })),
    },
    200,
  );
};

export const removeConversation: RouteHandler<typeof deleteConversationRoute, AppEnv> = async (c) => {
  const { tenantId } = tenantOf(c.var.principal);
  const { id } = c.req.valid('param');
  if (!(await deleteConversation(c.env.DB, tenantId, id))) throw notFound(`no conversation ${id}`);
  return c.body(null, 204);
};
