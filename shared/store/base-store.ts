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

/** What a dialect's migration run did: the versions recorded before it, and what it applied. */
export interface MigrationRun {
  before: Set<number>;
  applied: Migration[];
}

/** Params of REPLAY_SQL (uid, afterSeq, now, platform, platform, limit) or HISTORY_SQL (uid, afterSeq, now, limit). */
export type MessageQueryParams = (string | number | null)[];

export abstract class BaseMessageStore implements MessageStore {
  abstract readonly kind: StoreKind;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly outages: OutageLog;
  private readonly committer: GroupCommitter<NewMessage, number>;
  private readonly maxDataBytes: number;
  private accepting = true;
  private closing: Promise<void> | undefined;

  protected constructor(kind: StoreKind, options: StoreOptions, deps: StoreDeps) {
    this.logger = deps.logger ?? silentLogger();
    this.clock = deps.clock ?? systemClock;
    this.outages = new OutageLog(this.logger, kind);
    this.maxDataBytes = options.maxDataBytes;
    this.committer = new GroupCommitter((batch) => this.writeMessages(batch), options.groupCommit, this.clock);
  }

  /** Applies pending migrations under the dialect's lock. */
  protected abstract applyMigrations(): Promise<MigrationRun>;
  /** Writes one group-commit batch in one transaction; the seqs in input order. */
  protected abstract writeMessages(batch: NewMessage[]): Promise<number[]>;
  /** Runs MESSAGE_QUERIES[query] (REPLAY_SQL or HISTORY_SQL). */
  protected abstract selectMessages(query: keyof typeof MESSAGE_QUERIES, params: MessageQueryParams): Promise<MessageRow[]>;
  protected abstract selectCursor(uid: string, device: string): Promise<number | undefined>;
  /** Upserts merged cursors (one per device, sorted) in one transaction, never lowering a seq. */
  protected abstract upsertCursors(cursors: CursorUpdate[]): Promise<void>;
  /** Deletes at most `batchSize` messages with expires_at <= bound, or cursors with updated_at <= bound. */
  protected abstract deleteBatch(table: 'messages' | 'cursors', bound: number, batchSize: number): Promise<number>;
  protected abstract selectOne(): Promise<void>;
  /** Releases connections or files, after the last batch was written. */
  protected abstract closeConnections(): Promise<void>;

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

  async append(messages: readonly NewMessage[]): Promise<number[]> {
    this.assertOpen();
    checkNewMessages(messages, this.maxDataBytes);
    return this.committer.submit(messages);
  }

  async replay(uid: string, afterSeq: number, limit: number, now: number, platform?: string): Promise<ReplayResult> {
    this.assertOpen();
    checkRead(uid, afterSeq, limit, now);
    if (platform !== undefined) checkPlatform(platform);
    const only = platform ?? null;
    return toReplayResult(await this.selectMessages('replay', [uid, afterSeq, now, only, only, limit + 1]), limit);
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
  private async deleteInBatches(table: 'messages' | 'cursors', bound: number, batchSize: number): Promise<number> {
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
