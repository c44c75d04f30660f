// Wires the assistant routes into the app.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../app-env';
import { getConversation, postAssistant, removeConversation } from './assistant.handlers';
import { assistantRoute, deleteConversationRoute, getConversationRoute } from './assistant.routes';

export function registerAssistant(app: OpenAPIHono<AppEnv>): void {
  app.openapi(assistantRoute, postAssistant);
  app.openapi(getConversationRoute, getConversation);
  app.openapi(deleteConversationRoute, removeConversation);
}
