/**
 * Idempotency keys of pushes (contract section 5; docs/API.md#idempotency): the same key, from the
 * same API key, within `push.idempotencyTtl` is answered with the first call's answer and neither
 * stores nor delivers again — on any worker and, with MySQL, any host — also while the first call
 * still runs (the retry waits for its answer, bounded).
 *
 * Where the key lives, and why: in the message store, table `herald_idempotency`.
 * - A durable push writes its key's answer in the SAME transaction as its messages (the group
 *   commit carries it, store/base-store.ts). A worker killed (`kill -9`) between the commit and
 *   its answer leaves either both (a retry gets the committed answer, nothing is stored twice) or
 *   neither (a retry stores it). A claim in Redis (SET NX) cannot commit together with the SQL
 *   write, so a crash between the two would either lose the push or store it twice.
 * - The claim (`pending`) is a row of its own, inserted before the push runs, in a short
 *   transaction: it serializes concurrent calls with one key across workers (SQLite: one file per
 *   host) and hosts (MySQL: one database). A call that finds the key pending polls until it is
 *   answered, or gives up with 409 IDEMPOTENCY_IN_PROGRESS; a pending claim older than
 *   `push.idempotencyLockTimeout` belongs to a dead call and is taken over.
 * - The embedded default (SQLite, one host) needs nothing else; hosts sharing Redis but each with
 *   its own SQLite file dedupe per host only (they share no store for durable pushes either).
 *
 * Ephemeral pushes store nothing, so their answer is written right after delivery: a worker
 * killed between the two leaves a pending claim, and a retry after the lock timeout delivers
 * again (at least once). The request's fingerprint (sha256 of the validated request) tells a key
 * reused with another body: 422 IDEMPOTENCY_MISMATCH, as Stripe does.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../../shared/clock';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { IDEMPOTENCY_KEY_PATTERN } from '../../shared/protocol';
import type { IdempotencyState, MessageStore } from '../../shared/store';

export interface IdempotencyOptions {
  /** How long a key is remembered, in ms. @default 86400000 (24 h) */
  ttlMs: number;
  /** A pending claim older than this (ms) belongs to a dead call and is taken over. @default 15000 */
  lockTimeoutMs: number;
  /** Longest a call waits for another call holding its key, in ms. @default lockTimeoutMs + 1000 */
  waitMs: number;
  /** Between two looks at a pending key, in ms. @default 50 */
  pollMs: number;
}

export const DEFAULT_IDEMPOTENCY_OPTIONS: IdempotencyOptions = {
  ttlMs: 24 * 3600 * 1000,
  lockTimeoutMs: 15_000,
  waitMs: 16_000,
  pollMs: 50,
};

/** What the push path needs to write a key's answer with the push's messages. */
export interface IdempotencyTicket {
  scope: string;
  owner: string;
}

export interface IdempotentResult<R> {
  result: R;
  /** True when this is the answer of an earlier call with the same key. */
  replayed: boolean;
}

export class IdempotencyGate {
  private readonly options: IdempotencyOptions;

  constructor(
    private readonly store: MessageStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    options: Partial<IdempotencyOptions> = {},
  ) {
    this.options = { ...DEFAULT_IDEMPOTENCY_OPTIONS, ...options };
  }

  /**
   * Runs `work` once per (scope, key): claims the key, or waits for the call that holds it, or
   * answers what that call answered.
   */
  async run<R>(scope: string, key: string, request: unknown, work: (ticket: IdempotencyTicket) => Promise<R>): Promise<IdempotentResult<R>> {
    const claim = await this.claim<R>(scope, key, request);
    if (claim.kind === 'replayed') return { result: claim.result, replayed: true };
    let result: R;
    try {
      result = await work(claim.ticket);
    } catch (err) {
      await this.release(claim.ticket);
      throw err;
    }
    await this.complete(claim.ticket, result);
    return { result, replayed: false };
  }

  /**
   * Claims the key for this call (`claimed`: run the work, then `complete` or `release`), or
   * waits for the call that holds it and gives its answer (`replayed`). Throws BAD_REQUEST for a
   * malformed key, IDEMPOTENCY_MISMATCH for a key used with another request, and
   * IDEMPOTENCY_IN_PROGRESS when the holder did not answer within `waitMs`.
   */
  async claim<R>(scope: string, key: string, request: unknown): Promise<IdempotencyClaimResult<R>> {
    if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw new HeraldError('BAD_REQUEST', 'Idempotency-Key: must be 1-128 printable ASCII characters');
    }
    const ticket: IdempotencyTicket = { scope: sha256(`${scope}\n${key}`), owner: randomUUID() };
    const fingerprint = sha256(JSON.stringify(request));
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      const now = this.clock.now();
      const state = await this.store.claimIdempotency({
        ...ticket,
        fingerprint,
        now,
        expiresAt: now + this.options.ttlMs,
        staleBefore: now - this.options.lockTimeoutMs,
      });
      if (state.kind === 'claimed') return { kind: 'claimed', ticket };
      checkSameRequest(state, fingerprint);
      if (state.kind === 'done') return { kind: 'replayed', result: JSON.parse(state.answer) as R };
      if (Date.now() >= deadline) {
        throw new HeraldError('IDEMPOTENCY_IN_PROGRESS', 'a call with this Idempotency-Key is still running; retry later', { retryAfter: 1 });
      }
      await sleep(this.options.pollMs);
    }
  }

  /** The claimed call's whole answer (a durable push committed it with `online: null`). */
  async complete<R>(ticket: IdempotencyTicket, result: R): Promise<void> {
    await this.store.completeIdempotency({ ...ticket, answer: JSON.stringify(result) }).catch((err: Error) => {
      this.logger.warn('could not record the answer of an idempotency key; a retry may get online: null or run again', { error: err.message });
    });
  }

  /**
   * The claimed call failed. Nothing was stored (a durable push's key is answered only in its own
   * commit): free the key so that a retry runs at once. A committed key is not pending any more
   * and stays.
   */
  async release(ticket: IdempotencyTicket): Promise<void> {
    await this.store.releaseIdempotency(ticket.scope, ticket.owner).catch(() => undefined);
  }
}

/** What `claim` found: the key is this call's now, or it was answered before. */
export type IdempotencyClaimResult<R> = { kind: 'claimed'; ticket: IdempotencyTicket } | { kind: 'replayed'; result: R };

function checkSameRequest(state: Exclude<IdempotencyState, { kind: 'claimed' }>, fingerprint: string): void {
  if (state.fingerprint !== fingerprint) {
    throw new HeraldError('IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with another request in the last 24 h; use a new key');
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
