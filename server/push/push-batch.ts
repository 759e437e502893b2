/**
 * A batch of pushes (`POST /api/v1/push/batch`, docs/API.md#post-apiv1pushbatch): up to 1,000
 * pushes in one call, each validated like `POST /api/v1/push` and answered on its own, in order.
 *
 *   body check (the whole call: 400, nothing done) → each item validated (a bad one fails alone)
 *   → idempotency keys claimed, each on its own (replays answered from the store)
 *   → PushService.pushMany: the durable items in ONE group commit, then every item to the adapter
 *     in the batch's order → keys completed with their answers, or released on failure.
 *
 * An item's `idempotencyKey` means what the `Idempotency-Key` header means for one push
 * (push/idempotency.ts): same API key and key within the TTL → the first answer, nothing stored or
 * delivered again, on any worker or host. A key repeated inside one batch with the same push gets
 * the first item's answer; with another push, IDEMPOTENCY_MISMATCH.
 */
import { z } from 'zod';
import { HeraldError, toErrorBody, type ErrorBody } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { describeZodError, IDEMPOTENCY_KEY_PATTERN, pushRequestSchema, quickPushItem, type PushRequest, type PushRequestLimits } from '../../shared/protocol';
import type { Metrics } from '../metrics';
import type { IdempotencyGate, IdempotencyTicket } from './idempotency';
import type { BatchOutcome, BatchPush, PushResult, PushService } from './push-service';

/** Most pushes in one batch. */
export const MAX_BATCH_PUSHES = 1000;

/** Most recipients (uids named by its `uid`/`uids` pushes, counted per push) in one batch: one transaction's worth. */
export const MAX_BATCH_RECIPIENTS = 100_000;

/** What each item of a batch answers, in the batch's order. */
export type BatchItemAnswer = ({ ok: true } & PushResult & { replayed?: true }) | { ok: false; error: ErrorBody };

const batchBodySchema = z
  .object({
    pushes: z
      .array(z.unknown())
      .min(1, `must hold 1 to ${MAX_BATCH_PUSHES} pushes`)
      .max(MAX_BATCH_PUSHES, `must hold 1 to ${MAX_BATCH_PUSHES} pushes`),
  })
  .strict();

function buildItemSchema(limits: PushRequestLimits) {
  return pushRequestSchema(limits).extend({
    idempotencyKey: z.string().regex(IDEMPOTENCY_KEY_PATTERN, 'must be 1-128 printable ASCII characters').optional(),
  });
}

const itemSchemas = new Map<number, ReturnType<typeof buildItemSchema>>();

/** A push item: the push body plus an optional `idempotencyKey`. One schema per limit value, built once. */
export function batchItemSchema(limits: PushRequestLimits) {
  let schema = itemSchemas.get(limits.maxDataDepth);
  if (schema === undefined) {
    schema = buildItemSchema(limits);
    itemSchemas.set(limits.maxDataDepth, schema);
  }
  return schema;
}

/** Checks the batch's shape: BAD_REQUEST (the whole call, nothing done) when it is not `{ pushes: [1…1000] }`. */
export function parseBatchBody(body: unknown): unknown[] {
  const parsed = batchBodySchema.safeParse(body);
  if (!parsed.success) throw new HeraldError('BAD_REQUEST', describeZodError(parsed.error));
  return parsed.data.pushes;
}

/** An item on its way through the batch. */
interface Item {
  request?: PushRequest;
  key?: string;
  /** The request as JSON: what a key repeated in the batch is compared with. */
  fingerprint?: string;
  /** Index of an earlier item with the same key and push: this one gets its answer. */
  sameAs?: number;
  ticket?: IdempotencyTicket;
  answer?: BatchItemAnswer;
}

export interface PushBatchDeps {
  push: PushService;
  metrics: Metrics;
  logger: Logger;
  limits: PushRequestLimits;
  /** Needed by items with an `idempotencyKey`; without it they fail UNAVAILABLE. */
  idempotency?: IdempotencyGate;
}

export class PushBatch {
  constructor(private readonly deps: PushBatchDeps) {}

  /** Runs the batch `pushes` (checked by parseBatchBody) for the API key `scope`; one answer per item, in order. */
  async run(scope: string, pushes: readonly unknown[]): Promise<BatchItemAnswer[]> {
    const items = pushes.map((raw) => this.validate(raw));
    checkRecipients(items);
    this.matchRepeatedKeys(items);
    await this.claimKeys(scope, items);
    const runnable = items.filter((item) => item.answer === undefined && item.sameAs === undefined && item.request !== undefined);
    const batch: BatchPush[] = runnable.map((item) => ({ request: item.request as PushRequest, ...(item.ticket ? { idempotency: item.ticket } : {}) }));
    const outcomes = batch.length > 0 ? await this.deps.push.pushMany(batch, 'api') : [];
    runnable.forEach((item, i) => {
      item.answer = this.answerOf(outcomes[i] as BatchOutcome);
    });
    await this.settleKeys(runnable);
    const answers = items.map((item) => (item.sameAs !== undefined ? (items[item.sameAs] as Item).answer : item.answer) as BatchItemAnswer);
    this.deps.metrics.pushBatchItems.observe(items.length);
    for (const answer of answers) if (!answer.ok) this.deps.metrics.pushBatchFailures.inc({ code: answer.error.code });
    return answers;
  }

  private validate(raw: unknown): Item {
    // A common item is checked by hand (shared/protocol/push-quick-check.ts, the same result);
    // anything else, and every error, by the item schema.
    const quick = quickPushItem(raw, this.deps.limits.maxDataDepth);
    if (quick !== undefined) return newItem(quick.request, quick.idempotencyKey);
    const parsed = batchItemSchema(this.deps.limits).safeParse(raw);
    if (!parsed.success) return { answer: failed(new HeraldError('BAD_REQUEST', describeZodError(parsed.error))) };
    const { idempotencyKey, ...request } = parsed.data;
    return newItem(request, idempotencyKey);
  }

  /** A key seen earlier in the batch: the same push shares that item's answer; another push is a mismatch. */
  private matchRepeatedKeys(items: Item[]): void {
    const first = new Map<string, number>();
    items.forEach((item, i) => {
      if (item.key === undefined || item.answer !== undefined) return;
      const earlier = first.get(item.key);
      if (earlier === undefined) {
        first.set(item.key, i);
      } else if ((items[earlier] as Item).fingerprint === item.fingerprint) {
        item.sameAs = earlier;
      } else {
        item.answer = failed(new HeraldError('IDEMPOTENCY_MISMATCH', `this idempotencyKey names another push earlier in the batch (item ${earlier}); use a new key`));
      }
    });
  }

  /** Claims every item's key at once; replays and refusals (mismatch, in progress) answer their item. */
  private async claimKeys(scope: string, items: Item[]): Promise<void> {
    const { idempotency } = this.deps;
    await Promise.all(
      items.map(async (item) => {
        if (item.key === undefined || item.answer !== undefined || item.sameAs !== undefined) return;
        if (idempotency === undefined) {
          item.answer = failed(new HeraldError('UNAVAILABLE', 'idempotencyKey needs the message store'));
          return;
        }
        try {
          const claim = await idempotency.claim<PushResult>(scope, item.key, item.request);
          if (claim.kind === 'claimed') item.ticket = claim.ticket;
          else item.answer = { ok: true, ...claim.result, replayed: true };
        } catch (err) {
          item.answer = this.failedLogged(err);
        }
      }),
    );
  }

  /** Records each claimed key's answer, or frees the key of an item that failed (it stored nothing). */
  private async settleKeys(items: Item[]): Promise<void> {
    const { idempotency } = this.deps;
    if (idempotency === undefined) return;
    await Promise.all(
      items.map(async (item) => {
        if (item.ticket === undefined) return;
        const answer = item.answer as BatchItemAnswer;
        if (answer.ok) await idempotency.complete(item.ticket, { id: answer.id, stored: answer.stored, online: answer.online });
        else await idempotency.release(item.ticket);
      }),
    );
  }

  private answerOf(outcome: BatchOutcome): BatchItemAnswer {
    return outcome.ok ? { ok: true, ...outcome.result } : this.failedLogged(outcome.error);
  }

  private failedLogged(err: unknown): BatchItemAnswer {
    if (!(err instanceof HeraldError)) this.deps.logger.error('a push of a batch failed', { error: (err as Error)?.stack ?? String(err) });
    return failed(err);
  }
}

/** An item with a valid push, and its key when it has one. */
function newItem(request: PushRequest, idempotencyKey: string | undefined): Item {
  const item: Item = { request };
  if (idempotencyKey !== undefined) {
    item.key = idempotencyKey;
    item.fingerprint = JSON.stringify(request);
  }
  return item;
}

function failed(err: unknown): BatchItemAnswer {
  return { ok: false, error: toErrorBody(err) };
}

/** The whole batch is refused (400) when its pushes name more than MAX_BATCH_RECIPIENTS uids. */
function checkRecipients(items: readonly Item[]): void {
  let total = 0;
  for (const { request } of items) {
    if (request === undefined) continue;
    const to = request.to as { uid?: unknown; uids?: unknown[] };
    total += to.uids !== undefined ? to.uids.length : to.uid !== undefined ? 1 : 0;
  }
  if (total > MAX_BATCH_RECIPIENTS) {
    throw new HeraldError('BAD_REQUEST', `pushes: at most ${MAX_BATCH_RECIPIENTS} recipients (uids) in one batch (got ${total}); split it`);
  }
}
