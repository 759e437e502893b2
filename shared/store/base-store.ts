/**
 * What both implementations share: the MessageStore contract above the SQL. Argument checks,
 * group commit, the replay cap, cleanup in batches, migration reports and the lifecycle live
 * here; MysqlMessageStore and SqliteMessageStore supply the dialect's primitives (the abstract
 * methods), each of which throws STORE_UNAVAILABLE when the database cannot do the work.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { systemClock, type Clock } from '../clock';
import { HeraldError } from '../errors';
import { silentLogger, type Logger } from '../logger';
import { GroupCommitter } from './group-commit';
import {
  DEFAULT_CLEANUP_BATCH_SIZE,
  type CleanupOptions,
  type CleanupResult,
  type CursorUpdate,
  type IdempotencyClaim,
  type IdempotencyCompletion,
  type IdempotencyState,
  type MessageStore,
  type MigrationReport,
  type NewMessage,
  type ReplayResult,
  type StoreDeps,
  type StoredMessage,
  type StoreKind,
  type StoreOptions,
} from './message-store';
import { LATEST_VERSION, summarize, type Migration } from './migrations';
import { toReplayResult, toStoredMessage, type MESSAGE_QUERIES, type MessageRow } from './queries';
import { checkCleanup, checkCursors, checkDevice, checkNewMessages, checkPlatform, checkRead, checkUid, mergeCursors } from './store-input';
import { describeDriverError, OutageLog } from './store-errors';
import type { SqlRunner } from './sql-runner';
import { WebhookOutbox } from './webhook-outbox';

/** What a dialect's migration run did: the versions recorded before it, and what it applied. */
export interface MigrationRun {
  before: Set<number>;
  applied: Migration[];
}

/** What a group-commit batch holds: messages, and answers of idempotency keys to record with them. */
type BatchItem = NewMessage | { completion: IdempotencyCompletion };

/** What decides a claim, given the key's row as the transaction sees it (undefined: none). */
export interface IdempotencyRow {
  fingerprint: string;
  state: string;
  answer: string | null;
  claimed_at: number | string;
  expires_at: number | string;
}

/** `claim` if the row is free to take (none, expired, or a stale pending claim), else what it holds. */
export function judgeIdempotencyRow(row: IdempotencyRow | undefined, claim: IdempotencyClaim): IdempotencyState | 'claim' {
  if (row === undefined || Number(row.expires_at) <= claim.now) return 'claim';
  if (row.state === 'done' && row.answer !== null) return { kind: 'done', fingerprint: row.fingerprint, answer: row.answer };
  if (Number(row.claimed_at) < claim.staleBefore) return 'claim';
  return { kind: 'pending', fingerprint: row.fingerprint };
}

/** Params of REPLAY_SQL (uid, afterSeq, now, platform, platform, limit) or HISTORY_SQL (uid, afterSeq, now, limit). */
export type MessageQueryParams = (string | number | null)[];

export abstract class BaseMessageStore implements MessageStore {
  abstract readonly kind: StoreKind;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly outages: OutageLog;
  private readonly committer: GroupCommitter<BatchItem, number>;
  private readonly maxDataBytes: number;
  private accepting = true;
  private outbox: WebhookOutbox | undefined;
  private closing: Promise<void> | undefined;

  protected constructor(kind: StoreKind, options: StoreOptions, deps: StoreDeps) {
    this.logger = deps.logger ?? silentLogger();
    this.clock = deps.clock ?? systemClock;
    this.outages = new OutageLog(this.logger, kind);
    this.maxDataBytes = options.maxDataBytes;
    // A batch locks the seq rows of its uids until it commits: batches written side by side never share one.
    this.committer = new GroupCommitter((batch) => this.writeBatch(batch), options.groupCommit, this.clock, (item) => ('completion' in item ? undefined : item.uid));
  }

  /** Applies pending migrations under the dialect's lock. */
  protected abstract applyMigrations(): Promise<MigrationRun>;
  /**
   * Writes one group-commit batch in one transaction: the messages (their seqs in input order)
   * and the answers of the idempotency keys of those pushes (`UPDATE … WHERE scope AND owner`).
   */
  protected abstract writeMessages(batch: NewMessage[], completions: IdempotencyCompletion[]): Promise<number[]>;
  /** Claims a key in one transaction (judgeIdempotencyRow decides). */
  protected abstract claimRow(claim: IdempotencyClaim): Promise<IdempotencyState>;
  /** `UPDATE` a claimed key to done, or (answer null) delete a pending one of this owner. */
  protected abstract finishRow(scope: string, owner: string, answer: string | null): Promise<void>;
  /** Runs MESSAGE_QUERIES[query] (REPLAY_SQL or HISTORY_SQL). */
  protected abstract selectMessages(query: keyof typeof MESSAGE_QUERIES, params: MessageQueryParams): Promise<MessageRow[]>;
  protected abstract selectCursor(uid: string, device: string): Promise<number | undefined>;
  /** Upserts merged cursors (one per device, sorted) in one transaction, never lowering a seq. */
  protected abstract upsertCursors(cursors: CursorUpdate[]): Promise<void>;
  /** Deletes at most `batchSize` messages with expires_at <= bound, or cursors with updated_at <= bound. */
  protected abstract deleteBatch(table: 'messages' | 'cursors' | 'idempotency', bound: number, batchSize: number): Promise<number>;
  protected abstract selectOne(): Promise<void>;
  /** Single statements for the webhook outbox. */
  protected abstract sqlRunner(): SqlRunner;
  /** Releases connections or files, after the last batch was written. */
  protected abstract closeConnections(): Promise<void>;

  /** The webhook outbox in this database (docs/WEBHOOKS.md). */
  get webhooks(): WebhookOutbox {
    this.outbox ??= new WebhookOutbox(this.sqlRunner(), () => this.assertOpen());
    return this.outbox;
  }

  async migrate(): Promise<MigrationReport> {
    this.assertOpen();
    const { before, applied } = await this.applyMigrations();
    for (const migration of applied) {
      this.logger.info('message store: migration applied', { kind: this.kind, version: migration.version, name: migration.name });
    }
    const report: MigrationReport = { kind: this.kind, ...summarize(before, applied) };
    if (report.from > LATEST_VERSION) {
      this.logger.warn('message store: the schema is newer than this Herald knows', { schema: report.from, known: LATEST_VERSION });
    }
    return report;
  }

  async append(messages: readonly NewMessage[], completion?: IdempotencyCompletion | readonly IdempotencyCompletion[]): Promise<number[]> {
    this.assertOpen();
    checkNewMessages(messages, this.maxDataBytes);
    const completions = completion === undefined ? [] : Array.isArray(completion) ? completion : [completion as IdempotencyCompletion];
    if (completions.length === 0) return this.committer.submit(messages);
    for (const c of completions) checkCompletion(c);
    // The completions ride in the same call, so group commit writes them in the same transaction.
    const seqs = await this.committer.submit([...messages, ...completions.map((c) => ({ completion: c }))]);
    return seqs.slice(0, messages.length);
  }

  async claimIdempotency(claim: IdempotencyClaim): Promise<IdempotencyState> {
    this.assertOpen();
    checkScope(claim.scope);
    checkScope(claim.fingerprint);
    return this.claimRow(claim);
  }

  async completeIdempotency(completion: IdempotencyCompletion): Promise<void> {
    this.assertOpen();
    checkCompletion(completion);
    await this.finishRow(completion.scope, completion.owner, completion.answer);
  }

  async releaseIdempotency(scope: string, owner: string): Promise<void> {
    this.assertOpen();
    checkScope(scope);
    await this.finishRow(scope, owner, null);
  }

  private async writeBatch(items: BatchItem[]): Promise<number[]> {
    const messages: NewMessage[] = [];
    const completions: IdempotencyCompletion[] = [];
    for (const item of items) {
      if ('completion' in item) completions.push(item.completion);
      else messages.push(item);
    }
    const seqs = await this.writeMessages(messages, completions);
    let next = 0;
    return items.map((item) => ('completion' in item ? 0 : (seqs[next++] as number)));
  }

  async replay(uid: string, afterSeq: number, limit: number, now: number, platform?: string): Promise<ReplayResult> {
    this.assertOpen();
    checkRead(uid, afterSeq, limit, now);
    if (platform !== undefined) checkPlatform(platform);
    const only = platform ?? null;
    return toReplayResult(await this.selectMessages('replay', [uid, afterSeq, now, only, only, limit + 1]), limit);
  }

  async gap(uid: string, afterSeq: number, limit: number, now: number, platform?: string): Promise<StoredMessage[]> {
    this.assertOpen();
    checkRead(uid, afterSeq, limit, now);
    if (platform !== undefined) checkPlatform(platform);
    const only = platform ?? null;
    return (await this.selectMessages('gap', [uid, afterSeq, now, only, only, limit])).map(toStoredMessage);
  }

  async history(uid: string, afterSeq: number, limit: number, now: number): Promise<StoredMessage[]> {
    this.assertOpen();
    checkRead(uid, afterSeq, limit, now);
    return (await this.selectMessages('history', [uid, afterSeq, now, limit])).map(toStoredMessage);
  }

  async getCursor(uid: string, device: string): Promise<number | undefined> {
    this.assertOpen();
    checkUid(uid);
    checkDevice(device);
    return this.selectCursor(uid, device);
  }

  async saveCursors(cursors: readonly CursorUpdate[]): Promise<void> {
    this.assertOpen();
    checkCursors(cursors);
    const merged = mergeCursors(cursors);
    if (merged.length > 0) await this.upsertCursors(merged);
  }

  async cleanup(now: number, options: CleanupOptions): Promise<CleanupResult> {
    this.assertOpen();
    const batchSize = options.batchSize ?? DEFAULT_CLEANUP_BATCH_SIZE;
    checkCleanup(now, options.cursorRetentionMs, batchSize);
    const messages = await this.deleteInBatches('messages', now, batchSize);
    const cursors = await this.deleteInBatches('cursors', now - options.cursorRetentionMs, batchSize);
    await this.deleteInBatches('idempotency', now, batchSize);
    return { messages, cursors };
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.selectOne();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    try {
      await this.committer.close();
    } catch (err) {
      this.logger.warn('message store: writing the last batches failed', { kind: this.kind, error: describeDriverError(err) });
    }
    try {
      await this.closeConnections();
    } catch (err) {
      this.logger.warn('message store: closing the database failed', { kind: this.kind, error: describeDriverError(err) });
    }
  }

  /** Short statements until one deletes less than a batch; other work runs in between. */
  private async deleteInBatches(table: 'messages' | 'cursors' | 'idempotency', bound: number, batchSize: number): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await this.deleteBatch(table, bound, batchSize);
      total += deleted;
      if (deleted < batchSize || !this.accepting) return total;
      await yieldToEventLoop();
    }
  }

  private assertOpen(): void {
    if (!this.accepting) throw new HeraldError('STORE_UNAVAILABLE', 'The message store is closed');
  }
}

const DIGEST = /^[0-9a-f]{64}$/;

function checkScope(value: string): void {
  if (typeof value !== 'string' || !DIGEST.test(value)) throw new HeraldError('BAD_REQUEST', 'idempotency scope: must be 64 hex characters');
}

function checkCompletion(completion: IdempotencyCompletion): void {
  checkScope(completion.scope);
  if (typeof completion.owner !== 'string' || completion.owner.length === 0 || completion.owner.length > 64) {
    throw new HeraldError('BAD_REQUEST', 'idempotency owner: 1-64 characters');
  }
  if (typeof completion.answer !== 'string' || completion.answer.length > 16_384) {
    throw new HeraldError('BAD_REQUEST', 'idempotency answer: at most 16384 characters');
  }
}
