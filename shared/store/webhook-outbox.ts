/**
 * The webhook outbox: events for the main site, written by whoever produces them (socket workers
 * on presence changes and acks, the cleanup job on expiry) and sent by the task processes
 * (server/webhooks/). One row per (event, receiver) in `herald_webhook_event`; a 2xx deletes the
 * batch's rows, a failure pushes them back (`next_at`), and past `webhooks.retryFor` they are
 * `dead` until retried through the API. docs/WEBHOOKS.md.
 *
 * One sender per receiver cluster-wide: a sender holds a lease on the receiver's queue
 * (`herald_webhook_lease`, taken with one conditional UPDATE, which is atomic on SQLite and
 * MySQL alike) and only then reads its head batch. So no event is sent twice at once, and a
 * receiver sees its queue in order.
 */
import { createHash, randomUUID } from 'node:crypto';
import { placeholders, type SqlRunner } from './sql-runner';

export type WebhookEventType = 'user.online' | 'user.offline' | 'message.acked' | 'message.expired';

/** An event as it goes on the wire: `{ id, type, at, … }` (CONTRACT.md 6b). */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** When it happened, ms since the epoch. */
  at: number;
  uid: string;
  [field: string]: unknown;
}

/** A pending row as a sender reads it. */
export interface OutboxRow {
  seq: number;
  id: string;
  type: WebhookEventType;
  uid: string;
  /** The event's JSON. */
  payload: string;
  createdAt: number;
  readyAt: number;
  nextAt: number;
  attempts: number;
}

/** A dead letter, as the API lists it. */
export interface DeadLetter {
  id: string;
  target: string;
  type: WebhookEventType;
  uid: string;
  event: WebhookEvent;
  createdAt: number;
  attempts: number;
  lastError: string | null;
}

export interface OutboxStats {
  /** Pending rows (every receiver). */
  queued: number;
  /** Dead rows. */
  dead: number;
  /** ms since the epoch of the oldest pending row's event, or null. */
  oldestPendingAt: number | null;
}

/** A receiver's queue name: 16 hex characters of the URL's sha256 (the URL itself is config). */
export function targetOf(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** A new event id: receivers dedupe by it. */
export function newEventId(): string {
  return `evt_${randomUUID().replace(/-/g, '')}`;
}

const COLUMNS = 'seq, id, type, uid, payload, created_at, ready_at, next_at, attempts';

interface RawRow {
  seq: number | string;
  id: string;
  type: WebhookEventType;
  uid: string;
  payload: string;
  created_at: number | string;
  ready_at: number | string;
  next_at: number | string;
  attempts: number | string;
}

export class WebhookOutbox {
  constructor(
    private readonly sql: SqlRunner,
    private readonly assertOpen: () => void,
  ) {}

  /** Writes `events` once per receiver, to be sent from `readyAt` (default: the event's `at`). */
  async enqueue(targets: readonly string[], events: readonly WebhookEvent[], readyAt?: number): Promise<void> {
    this.assertOpen();
    if (targets.length === 0 || events.length === 0) return;
    const values: (string | number)[] = [];
    for (const event of events) {
      const payload = JSON.stringify(event);
      const ready = readyAt ?? event.at;
      for (const target of targets) values.push(event.id, target, event.type, event.uid, payload, event.at, ready, ready, 'pending');
    }
    const rows = new Array<string>(values.length / 9).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    await this.sql.change(
      'webhookEnqueue',
      `INSERT INTO herald_webhook_event (id, target, type, uid, payload, created_at, ready_at, next_at, state) VALUES ${rows}`,
      values,
    );
  }

  /**
   * A user came online: drops a debounced `user.offline` of theirs that is not sent yet (not yet
   * ready at `now`). True when one was dropped: the reconnect fell inside the debounce, and the
   * caller sends no `user.online` either.
   */
  async cancelPendingOffline(uid: string, now: number): Promise<boolean> {
    this.assertOpen();
    const dropped = await this.sql.change(
      'webhookCancelOffline',
      "DELETE FROM herald_webhook_event WHERE uid = ? AND type = 'user.offline' AND state = 'pending' AND ready_at > ?",
      [uid, now],
    );
    return dropped > 0;
  }

  /** True when a debounced `user.offline` of the user is still waiting (so another is not queued). */
  async hasPendingOffline(uid: string, now: number): Promise<boolean> {
    this.assertOpen();
    const rows = await this.sql.rows(
      'webhookPendingOffline',
      "SELECT 1 AS found FROM herald_webhook_event WHERE uid = ? AND type = 'user.offline' AND state = 'pending' AND ready_at > ? LIMIT 1",
      [uid, now],
    );
    return rows.length > 0;
  }

  /**
   * Takes (or renews) the lease on a receiver's queue until `until`; false while another owner
   * holds an unexpired one.
   */
  async lease(target: string, owner: string, now: number, until: number): Promise<boolean> {
    this.assertOpen();
    const insert = this.sql.dialect === 'mysql' ? 'INSERT IGNORE' : 'INSERT OR IGNORE';
    await this.sql.change('webhookLease', `${insert} INTO herald_webhook_lease (target, owner, until_at) VALUES (?, '', 0)`, [target]);
    const taken = await this.sql.change(
      'webhookLease',
      'UPDATE herald_webhook_lease SET owner = ?, until_at = ? WHERE target = ? AND (until_at < ? OR owner = ?)',
      [owner, until, target, now, owner],
    );
    return taken > 0;
  }

  /** Gives up a lease (on stop), so another sender need not wait for it to run out. */
  async release(target: string, owner: string): Promise<void> {
    this.assertOpen();
    await this.sql.change('webhookLease', 'UPDATE herald_webhook_lease SET until_at = 0 WHERE target = ? AND owner = ?', [target, owner]);
  }

  /** The head of a receiver's queue: at most `limit` pending rows ready at `now`, in order (ready_at, seq). */
  async head(target: string, now: number, limit: number): Promise<OutboxRow[]> {
    this.assertOpen();
    const rows = await this.sql.rows<RawRow>(
      'webhookHead',
      `SELECT ${COLUMNS} FROM herald_webhook_event WHERE target = ? AND state = 'pending' AND ready_at <= ? ORDER BY ready_at, seq LIMIT ?`,
      [target, now, limit],
    );
    return rows.map(toRow);
  }

  /** A 2xx: the batch is done. */
  async delivered(seqs: readonly number[]): Promise<void> {
    this.assertOpen();
    if (seqs.length === 0) return;
    await this.sql.change('webhookDelivered', `DELETE FROM herald_webhook_event WHERE seq IN (${placeholders(seqs.length)})`, seqs);
  }

  /**
   * A failed batch: tried again from `nextAt`; rows ready since before `deadBefore` (retryFor
   * ran out) become dead. Resolves to how many died.
   */
  async failed(seqs: readonly number[], nextAt: number, error: string, deadBefore: number): Promise<number> {
    this.assertOpen();
    if (seqs.length === 0) return 0;
    const list = placeholders(seqs.length);
    const reason = error.slice(0, 300);
    await this.sql.change(
      'webhookFailed',
      `UPDATE herald_webhook_event SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE seq IN (${list})`,
      [nextAt, reason, ...seqs],
    );
    return this.sql.change(
      'webhookFailed',
      `UPDATE herald_webhook_event SET state = 'dead' WHERE seq IN (${list}) AND ready_at < ?`,
      [...seqs, deadBefore],
    );
  }

  /** Queue size, dead letters and the oldest pending event's time. */
  async stats(): Promise<OutboxStats> {
    this.assertOpen();
    const rows = await this.sql.rows<{ state: string; n: number | string; oldest: number | string | null }>(
      'webhookStats',
      'SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM herald_webhook_event GROUP BY state',
      [],
    );
    const pending = rows.find((r) => r.state === 'pending');
    const dead = rows.find((r) => r.state === 'dead');
    return {
      queued: Number(pending?.n ?? 0),
      dead: Number(dead?.n ?? 0),
      oldestPendingAt: pending?.oldest === undefined || pending.oldest === null ? null : Number(pending.oldest),
    };
  }

  /** The newest `limit` dead letters. */
  async dead(limit: number): Promise<DeadLetter[]> {
    this.assertOpen();
    const rows = await this.sql.rows<RawRow & { target: string; last_error: string | null }>(
      'webhookDead',
      `SELECT ${COLUMNS}, target, last_error FROM herald_webhook_event WHERE state = 'dead' ORDER BY seq DESC LIMIT ?`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      target: r.target,
      type: r.type,
      uid: r.uid,
      event: JSON.parse(r.payload) as WebhookEvent,
      createdAt: Number(r.created_at),
      attempts: Number(r.attempts),
      lastError: r.last_error,
    }));
  }

  /** Puts dead letters back in the queue (all, or those with these event ids); resolves to how many. */
  async retryDead(now: number, ids?: readonly string[]): Promise<number> {
    this.assertOpen();
    const only = ids !== undefined && ids.length > 0 ? ` AND id IN (${placeholders(ids.length)})` : '';
    return this.sql.change(
      'webhookRetryDead',
      `UPDATE herald_webhook_event SET state = 'pending', attempts = 0, ready_at = ?, next_at = ?, last_error = NULL WHERE state = 'dead'${only}`,
      [now, now, ...(ids ?? [])],
    );
  }
}

function toRow(r: RawRow): OutboxRow {
  return {
    seq: Number(r.seq),
    id: r.id,
    type: r.type,
    uid: r.uid,
    payload: r.payload,
    createdAt: Number(r.created_at),
    readyAt: Number(r.ready_at),
    nextAt: Number(r.next_at),
    attempts: Number(r.attempts),
  };
}
