// Assistant conversations per tenant: a conversation row and its last MAX_TURNS turns. Each turn
// stores the request it stood for (intent + facts after refinement), so a follow-up refines the last
// real request. Appending is one D1 batch: bump the counter, insert the turn numbered by it, delete
// turns that fell out of the window; concurrent turns never share a number.
import { FactsSchema, INTENTS, type Intent } from './interpretation';
import type { Interpretation, PreviousRequest } from './interpret';

export const MAX_TURNS = 20;

export const CONVERSATION_ID = /^cnv_[0-9a-z]{16}$/;

interface ConversationRow {
  id: string;
  intent: string | null;
  facts: string | null;
}

const isIntent = (v: string | null): v is Intent => v !== null && (INTENTS as readonly string[]).includes(v);

/**
 * The tenant's conversation and its last request that was not help, or undefined when the tenant has
 * no such conversation (another tenant's id included).
 */
export async function loadConversation(db: D1Database, tenantId: string, id: string): Promise<{ id: string; last?: PreviousRequest } | undefined> {
  const row = await db
    .prepare(
      `SELECT c.id, t.intent, t.facts FROM assistant_conversations c
       LEFT JOIN assistant_turns t ON t.tenant_id = c.tenant_id AND t.conversation_id = c.id
         AND t.seq = (SELECT MAX(seq) FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2 AND intent <> 'help')
       WHERE c.tenant_id = ?1 AND c.id = ?2`,
    )
    .bind(tenantId, id)
    .first<ConversationRow>();
  if (!row) return undefined;
  if (!isIntent(row.intent) || row.facts === null) return { id: row.id };
  // A row written by an older version that no longer validates is treated as no previous request.
  let facts: unknown;
  try {
    facts = JSON.parse(row.facts);
  } catch {
    return { id: row.id };
  }
  const parsed = FactsSchema.safeParse(facts);
  return parsed.success ? { id: row.id, last: { intent: row.intent, facts: parsed.data } } : { id: row.id };
}

export interface NewTurn {
  tenantId: string;
  conversationId: string;
  /** The conversation is new: create its row first. */
  create: boolean;
  /** `usr_…` or `key_…` of the caller. */
  createdBy: string | null;
  message: string;
  request: PreviousRequest;
  interpretation: unknown;
  reply: string;
  now: number;
}

export function appendTurnStatements(db: D1Database, turn: NewTurn): D1PreparedStatement[] {
  const { tenantId, conversationId, now } = turn;
  const statements: D1PreparedStatement[] = [];
  if (turn.create) {
    statements.push(
      db
        .prepare(`INSERT INTO assistant_conversations (id, tenant_id, created_by, turn_count, created_at, updated_at) VALUES (?1, ?2, ?3, 0, ?4, ?4)`)
        .bind(conversationId, tenantId, turn.createdBy, now),
    );
  }
  statements.push(
    db.prepare(`UPDATE assistant_conversations SET turn_count = turn_count + 1, updated_at = ?3 WHERE tenant_id = ?1 AND id = ?2`).bind(tenantId, conversationId, now),
    db
      .prepare(
        `INSERT INTO assistant_turns (tenant_id, conversation_id, seq, message, intent, facts, interpretation, reply, created_at)
         SELECT ?1, ?2, turn_count, ?3, ?4, ?5, ?6, ?7, ?8 FROM assistant_conversations WHERE tenant_id = ?1 AND id = ?2`,
      )
      .bind(tenantId, conversationId, turn.message, turn.request.intent, JSON.stringify(turn.request.facts), JSON.stringify(turn.interpretation), turn.reply, now),
    db
      .prepare(
        `DELETE FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2
         AND seq <= (SELECT turn_count FROM assistant_conversations WHERE tenant_id = ?1 AND id = ?2) - ?3`,
      )
      .bind(tenantId, conversationId, MAX_TURNS),
  );
  return statements;
}

interface TurnRow {
  seq: number;
  message: string;
  interpretation: string;
  reply: string;
  created_at: number;
}

interface ConversationHeadRow {
  id: string;
  turn_count: number;
  created_at: number;
  updated_at: number;
}

/** The conversation with its kept turns, oldest first; undefined when the tenant has none with this id. */
export async function readConversation(db: D1Database | D1DatabaseSession, tenantId: string, id: string) {
  const [head, turns] = await db.batch([
    db.prepare(`SELECT id, turn_count, created_at, updated_at FROM assistant_conversations WHERE tenant_id = ?1 AND id = ?2`).bind(tenantId, id),
    db
      .prepare(`SELECT seq, message, interpretation, reply, created_at FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2 ORDER BY seq`)
      .bind(tenantId, id),
  ]);
  const row = (head!.results as ConversationHeadRow[])[0];
  if (!row) return undefined;
  return {
    id: row.id,
    turnCount: row.turn_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    turns: (turns!.results as TurnRow[]).map((t) => ({
      seq: t.seq,
      message: t.message,
      // Our own JSON, written by appendTurnStatements from an Interpretation.
      interpretation: JSON.parse(t.interpretation) as Interpretation,
      reply: t.reply,
      createdAt: t.created_at,
    })),
  };
}

/** Deletes the conversation and its turns; false when the tenant has none with this id. */
export async function deleteConversation(db: D1Database, tenantId: string, id: string): Promise<boolean> {
  const [conversation] = await db.batch([
    db.prepare(`DELETE FROM assistant_conversations WHERE tenant_id = ?1 AND id = ?2`).bind(tenantId, id),
    db.prepare(`DELETE FROM assistant_turns WHERE tenant_id = ?1 AND conversation_id = ?2`).bind(tenantId, id),
  ]);
  return (conversation!.meta.changes ?? 0) > 0;
}
