/**
 * The durable message store: what a durable push becomes once the API has accepted it.
 *
 * One row per (recipient uid, push). Each uid has its own sequence: the database assigns
 * `seq` inside the writing transaction, so several Herald hosts can write to the same user at
 * once and the user still sees 1, 2, 3, … with no gap and no duplicate. A device's progress is a
 * cursor (the highest seq it acknowledged); replay sends what lies past it.
 *
 * Two implementations share this contract and one test suite (test/integration/store-suite.ts):
 * MySQL/MariaDB through mysql2 (`db.url` set) and SQLite through better-sqlite3 (the embedded
 * default). docs/DELIVERY.md describes the schema and the guarantees.
 */
import type { Clock } from '../clock';
import type { DbConfig } from '../config';
import type { Logger } from '../logger';
import type { GroupCommitOptions } from './group-commit';
import type { WebhookOutbox } from './webhook-outbox';

/** The store's name: the mode `config.db.store` selects (shared/config/modes.ts). */
export type StoreKind = DbConfig['store'];

/** A message to store for one recipient. */
export interface NewMessage {
  /** The push id, shared by every recipient of one push (at most 64 of `A-Z a-z 0-9 _ . : -`). */
  id: string;
  /** The recipient (UID_PATTERN). */
  uid: string;
  /** The Socket.IO event the push is delivered as. */
  event: string;
  /** The payload as JSON text; stored and returned as is. */
  data: string;
  /** The topic a topic push went to, else null. */
  topic: string | null;
  /** The platform a platform-filtered push went to (replayed only to that platform's devices); null or absent: every device. */
  platform?: string | null;
  /** When the API accepted the push, ms since the epoch. */
  createdAt: number;
  /** When the message stops being delivered, ms since the epoch: createdAt + min(ttl, retention). */
  expiresAt: number;
}

/** A stored message: a NewMessage plus the seq the database gave it. */
export interface StoredMessage extends NewMessage {
  /** Per-uid sequence number, 1, 2, 3, … without gaps. */
  seq: number;
}

export interface ReplayResult {
  /** At most `limit` messages, ascending by seq. */
  messages: StoredMessage[];
  /** True when older unexpired messages past the cursor were left out to respect `limit`. */
  truncated: boolean;
}

/** One device's progress, as the ack batcher reports it. */
export interface CursorUpdate {
  uid: string;
  /** The device id the client logged in with (DEVICE_PATTERN). */
  device: string;
  /** The highest seq the device processed. */
  seq: number;
  /** When it was acknowledged, ms since the epoch; stale-cursor cleanup measures from here. */
  at: number;
}

export interface CleanupOptions {
  /** Cursors not moved for this long are deleted, in ms. Keep it at least the message retention. */
  cursorRetentionMs: number;
  /** Rows deleted per statement, so no delete holds locks for long. @default 1000 */
  batchSize?: number;
}

export interface CleanupResult {
  /** Expired messages deleted. */
  messages: number;
  /** Stale cursors deleted. */
  cursors: number;
}

/**
 * An idempotency key being claimed (docs/API.md#idempotency). The key is kept as a digest only.
 */
export interface IdempotencyClaim {
  /** sha256 hex of the caller's scope (API key id) and the key: 64 characters. */
  scope: string;
  /** sha256 hex of the request the key came with; a different one is a mismatch. */
  fingerprint: string;
  /** Who claims it: a random id per call. */
  owner: string;
  /** ms since the epoch. */
  now: number;
  /** When the key may be used again, ms since the epoch (now + push.idempotencyTtl). */
  expiresAt: number;
  /** A pending claim made before this (ms since the epoch) is taken over: its owner died. */
  staleBefore: number;
}

/** What a claim found. */
export type IdempotencyState =
  | { kind: 'claimed' }
  /** Another call holds the key and has not answered yet. */
  | { kind: 'pending'; fingerprint: string }
  /** Answered before: `answer` is the JSON of that answer. */
  | { kind: 'done'; fingerprint: string; answer: string };

/** The answer of a claimed key, written in the same transaction as the push's messages. */
export interface IdempotencyCompletion {
  scope: string;
  owner: string;
  /** The JSON of the answer to give every retry. */
  answer: string;
}

export interface MigrationInfo {
  version: number;
  name: string;
}

export interface MigrationReport {
  kind: StoreKind;
  /** Schema version before this run (0: empty database). */
  from: number;
  /** Schema version after this run. */
  to: number;
  /** Migrations this run applied, oldest first; empty when the schema was current. */
  applied: MigrationInfo[];
}

/**
 * Every method that touches the database rejects with `HeraldError('STORE_UNAVAILABLE')` when
 * the database cannot do the work (unreachable, timed out, locked, not migrated), and with
 * `HeraldError('BAD_REQUEST')` when an argument is malformed. Nothing resolves for a write that
 * was not committed.
 */
export interface MessageStore {
  readonly kind: StoreKind;

  /**
   * Brings the schema to the newest version. Idempotent; safe when several hosts start at once
   * (they serialize on a database lock and only one applies each migration). Call it once at
   * start, before any other method.
   */
  migrate(): Promise<MigrationReport>;

  /**
   * Stores messages and resolves with their seqs, in input order, once they are committed.
   * One call is atomic: all of its messages are committed, or none is. Concurrent calls share a
   * transaction (group commit, see GroupCommitOptions). `completion`: the answers of the
   * idempotency keys of these messages' pushes (one, or several for a batch), committed with them.
   */
  append(messages: readonly NewMessage[], completion?: IdempotencyCompletion | readonly IdempotencyCompletion[]): Promise<number[]>;

  /**
   * Claims an idempotency key for one call, or says who holds it: a row per key in
   * `herald_idempotency`, written in its own small transaction (not a group commit, it must
   * answer at once). A key past its `expiresAt`, or pending since before `staleBefore`, is claimed
   * anew.
   */
  claimIdempotency(claim: IdempotencyClaim): Promise<IdempotencyState>;

  /** Records the answer of a claimed key (pushes that stored nothing, or a later, fuller answer). */
  completeIdempotency(completion: IdempotencyCompletion): Promise<void>;

  /** Gives up a pending claim (the call failed and stored nothing), so a retry need not wait. */
  releaseIdempotency(scope: string, owner: string): Promise<void>;

  /**
   * What a device replays on login: the newest `limit` unexpired messages with seq > afterSeq,
   * ascending by seq; `truncated` when older ones were left out. With `platform`, messages pushed
   * to another platform only are skipped.
   */
  replay(uid: string, afterSeq: number, limit: number, now: number, platform?: string): Promise<ReplayResult>;

  /**
   * A page of what a connected device is missing: the oldest `limit` unexpired messages with
   * seq > afterSeq, ascending, skipping another platform's as `replay` does. Unlike a replay it
   * drops nothing: the caller reads the next page after the last seq.
   */
  gap(uid: string, afterSeq: number, limit: number, now: number, platform?: string): Promise<StoredMessage[]>;

  /** A page of the history API: the oldest `limit` unexpired messages with seq > afterSeq, ascending. */
  history(uid: string, afterSeq: number, limit: number, now: number): Promise<StoredMessage[]>;

  /** The device's cursor, or undefined for a device never seen (or whose cursor went stale). */
  getCursor(uid: string, device: string): Promise<number | undefined>;

  /**
   * Moves cursors forward, in one transaction. A cursor never moves backwards: a lower seq than
   * the stored one is ignored. The caller only passes seqs it delivered to that device.
   */
  saveCursors(cursors: readonly CursorUpdate[]): Promise<void>;

  /** Deletes messages with expiresAt <= now and stale cursors, in bounded batches. */
  cleanup(now: number, options: CleanupOptions): Promise<CleanupResult>;

  /** The webhook outbox (herald_webhook_event) in the same database. */
  readonly webhooks: WebhookOutbox;

  /** Resolves when the database answers; `/readyz` calls it. */
  ping(): Promise<void>;

  /** Writes what is queued, then releases the connections. Idempotent. */
  close(): Promise<void>;
}

/** Options both implementations take. */
export interface StoreOptions {
  /** Largest `data` of one message, in UTF-8 bytes; a larger one is refused (BAD_REQUEST). @default 1048576 (1 MiB) */
  maxDataBytes: number;
  /** How concurrent appends are batched into transactions. */
  groupCommit: GroupCommitOptions;
}

/** The row limit of one cleanup statement when the caller does not give one. */
export const DEFAULT_CLEANUP_BATCH_SIZE = 1000;

/** What a store is built with besides its options. */
export interface StoreDeps {
  /** Operational logs (outages, recoveries, migrations). @default silentLogger() */
  logger?: Logger;
  /** Timers of the group committer; tests pass a fake one. @default systemClock */
  clock?: Clock;
}
