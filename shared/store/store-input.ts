/**
 * Argument checks every store method runs before it touches the database.
 *
 * The API validates requests long before they get here; these checks keep one malformed call
 * from failing a shared group-commit transaction for every other caller in it, and keep values
 * inside the column sizes of the schema (docs/DELIVERY.md).
 */
import { HeraldError } from '../errors';
import { DEVICE_PATTERN, EVENT_PATTERN, PLATFORM_PATTERN, TOPIC_PATTERN, UID_PATTERN } from '../protocol/limits';
import type { CursorUpdate, NewMessage } from './message-store';

/** A push id as the store keeps it: at most 64 of `A-Z a-z 0-9 _ . : -` (uuid, ulid, nanoid fit). */
export const PUSH_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Largest seq and timestamp the store accepts: exact in a JavaScript number. */
const MAX_INTEGER = Number.MAX_SAFE_INTEGER;

function bad(what: string): HeraldError {
  return new HeraldError('BAD_REQUEST', `message store: ${what}`);
}

function isCount(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= MAX_INTEGER;
}

export function checkUid(uid: unknown): void {
  if (typeof uid !== 'string' || !UID_PATTERN.test(uid)) throw bad(`invalid uid ${JSON.stringify(uid)}`);
}

export function checkDevice(device: unknown): void {
  if (typeof device !== 'string' || !DEVICE_PATTERN.test(device)) throw bad(`invalid device ${JSON.stringify(device)}`);
}

export function checkPlatform(platform: unknown): void {
  if (typeof platform !== 'string' || !PLATFORM_PATTERN.test(platform)) throw bad(`invalid platform ${JSON.stringify(platform)}`);
}

export function checkNewMessages(messages: readonly NewMessage[], maxDataBytes: number): void {
  if (!Array.isArray(messages)) throw bad('append takes an array of messages');
  messages.forEach((m, i) => {
    const at = `message ${i}`;
    if (m === null || typeof m !== 'object') throw bad(`${at} is not an object`);
    checkUid(m.uid);
    if (typeof m.id !== 'string' || !PUSH_ID_PATTERN.test(m.id)) throw bad(`${at}: invalid push id`);
    if (typeof m.event !== 'string' || !EVENT_PATTERN.test(m.event)) throw bad(`${at}: invalid event`);
    if (m.topic !== null && (typeof m.topic !== 'string' || !TOPIC_PATTERN.test(m.topic))) throw bad(`${at}: invalid topic`);
    if (m.platform !== undefined && m.platform !== null && (typeof m.platform !== 'string' || !PLATFORM_PATTERN.test(m.platform))) {
      throw bad(`${at}: invalid platform`);
    }
    if (typeof m.data !== 'string') throw bad(`${at}: data must be JSON text`);
    // Three UTF-8 bytes per UTF-16 unit at most: only long data needs the exact count.
    if (m.data.length * 3 > maxDataBytes && Buffer.byteLength(m.data, 'utf8') > maxDataBytes) {
      throw bad(`${at}: data is larger than ${maxDataBytes} bytes`);
    }
    if (!isCount(m.createdAt, 0)) throw bad(`${at}: createdAt must be ms since the epoch`);
    if (!isCount(m.expiresAt, 0)) throw bad(`${at}: expiresAt must be ms since the epoch`);
  });
}

export function checkCursors(cursors: readonly CursorUpdate[]): void {
  if (!Array.isArray(cursors)) throw bad('saveCursors takes an array');
  cursors.forEach((c, i) => {
    if (c === null || typeof c !== 'object') throw bad(`cursor ${i} is not an object`);
    checkUid(c.uid);
    checkDevice(c.device);
    if (!isCount(c.seq, 0)) throw bad(`cursor ${i}: seq must be an integer >= 0`);
    if (!isCount(c.at, 0)) throw bad(`cursor ${i}: at must be ms since the epoch`);
  });
}

/** Arguments of replay and history. */
export function checkRead(uid: string, afterSeq: number, limit: number, now: number): void {
  checkUid(uid);
  if (!isCount(afterSeq, 0)) throw bad('afterSeq must be an integer >= 0');
  if (!isCount(limit, 1)) throw bad('limit must be an integer >= 1');
  if (!isCount(now, 0)) throw bad('now must be ms since the epoch');
}

export function checkCleanup(now: number, cursorRetentionMs: number, batchSize: number): void {
  if (!isCount(now, 0)) throw bad('now must be ms since the epoch');
  if (!isCount(cursorRetentionMs, 0)) throw bad('cursorRetentionMs must be an integer >= 0');
  if (!isCount(batchSize, 1)) throw bad('batchSize must be an integer >= 1');
}

/**
 * One entry per (uid, device), the highest seq and time of each, sorted by uid then device so
 * that every writer locks cursor rows in the same order.
 */
export function mergeCursors(cursors: readonly CursorUpdate[]): CursorUpdate[] {
  const byKey = new Map<string, CursorUpdate>();
  for (const c of cursors) {
    const key = `${c.uid}\u0000${c.device}`;
    const seen = byKey.get(key);
    byKey.set(key, seen ? { ...seen, seq: Math.max(seen.seq, c.seq), at: Math.max(seen.at, c.at) } : { ...c });
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
