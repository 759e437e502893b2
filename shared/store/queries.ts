/**
 * The SQL both dialects share (the reads), and the mapping from a row to a StoredMessage.
 * Writes differ between MySQL and SQLite (upsert syntax, DELETE … LIMIT) and live in each store.
 */
import type { NewMessage, ReplayResult, StoredMessage } from './message-store';

const MESSAGE_COLUMNS = 'uid, seq, push_id, event, data, topic, created_at, expires_at, platform';

/**
 * Params: uid, afterSeq, now, platform, platform, limit + 1 (platform null: every message).
 * Newest first; toReplayResult puts them in order. A message pushed to one platform only is
 * replayed to devices of that platform only.
 */
export const REPLAY_SQL = `SELECT ${MESSAGE_COLUMNS} FROM herald_message
  WHERE uid = ? AND seq > ? AND expires_at > ? AND (? IS NULL OR platform IS NULL OR platform = ?) ORDER BY seq DESC LIMIT ?`;

/**
 * Params: uid, afterSeq, now, platform, platform, limit. The replay's messages, oldest first: a
 * page of what a connected device is missing (a fill reads page after page until it is complete).
 */
export const GAP_SQL = `SELECT ${MESSAGE_COLUMNS} FROM herald_message
  WHERE uid = ? AND seq > ? AND expires_at > ? AND (? IS NULL OR platform IS NULL OR platform = ?) ORDER BY seq ASC LIMIT ?`;

/** Params: uid, afterSeq, now, limit. */
export const HISTORY_SQL = `SELECT ${MESSAGE_COLUMNS} FROM herald_message
  WHERE uid = ? AND seq > ? AND expires_at > ? ORDER BY seq ASC LIMIT ?`;

/** The two message reads by name, as BaseMessageStore asks for them. */
export const MESSAGE_QUERIES = { replay: REPLAY_SQL, gap: GAP_SQL, history: HISTORY_SQL } as const;

/** Params: uid, device. */
export const GET_CURSOR_SQL = 'SELECT seq FROM herald_cursor WHERE uid = ? AND device = ?';

/** Column order of an insert into herald_message; messageValues() gives the values. */
export const INSERT_MESSAGE_COLUMNS = '(uid, seq, push_id, event, topic, data, created_at, expires_at, platform)';

/** A herald_message row as either driver returns it (BIGINT may come back as a string). */
export interface MessageRow {
  uid: string;
  seq: number | string;
  push_id: string;
  event: string;
  data: string;
  topic: string | null;
  created_at: number | string;
  expires_at: number | string;
  platform: string | null;
}

export function toStoredMessage(row: MessageRow): StoredMessage {
  const message: StoredMessage = {
    id: row.push_id,
    uid: row.uid,
    seq: Number(row.seq),
    event: row.event,
    data: row.data,
    topic: row.topic,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
  if (row.platform !== null) message.platform = row.platform;
  return message;
}

/** From REPLAY_SQL's rows (newest first, up to limit + 1) to the newest `limit`, ascending. */
export function toReplayResult(newestFirst: readonly MessageRow[], limit: number): ReplayResult {
  return {
    messages: newestFirst.slice(0, limit).reverse().map(toStoredMessage),
    truncated: newestFirst.length > limit,
  };
}

/** The message columns of an insert, in INSERT_MESSAGE_COLUMNS order. */
export function messageValues(m: NewMessage, seq: number): (string | number | null)[] {
  return [m.uid, seq, m.id, m.event, m.topic, m.data, m.createdAt, m.expiresAt, m.platform ?? null];
}
