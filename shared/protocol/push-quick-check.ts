/**
 * The push bodies the push path meets all day — a plain JSON object whose `to` names one user,
 * some users, a topic or everyone — checked by hand: ~0.3 µs, where the zod schema takes 10-45 µs
 * (`node dist-dev/bench/push-check-probe.js`) and leaves its parse contexts to the garbage
 * collector (in a profile of the ingress worker taking 5,000 Redis PUBLISH pushes a second, zod's
 * parse was 12 % of its busy time; docs/BENCHMARKS.md, "Where Herald's time and memory go").
 *
 * It answers only when it is sure, with the request exactly as the schema (schemas.ts
 * `pushRequestSchema`, push-batch.ts `batchItemSchema`) would give it: the same fields, values and
 * key order — an Idempotency-Key's fingerprint is the request's JSON, so even the order must not
 * move. For anything else (a field of the wrong type, an unknown key, a field present but
 * undefined, an object that is not a plain one) it answers undefined and the schema checks the
 * body and words the error. The schema stays the one definition of a push;
 * test/unit/push-quick-check.test.ts holds the two to the same answers over generated bodies,
 * valid and not.
 */
import type { z } from 'zod';
import { checkJsonShape } from './json-shape';
import { EVENT_PATTERN, IDEMPOTENCY_KEY_PATTERN, PLATFORM_PATTERN, RESERVED_EVENTS, TOPIC_PATTERN, UID_PATTERN } from './limits';
import type { PushTarget } from './push-targets';
import { DEFAULT_PUSH_REQUEST_LIMITS, pushRequestSchema, type PushRequest, type PushRequestLimits } from './schemas';

/** Longest `ttl`, in seconds (the schema's bound). */
const MAX_TTL_SECONDS = 365 * 24 * 3600;

/** A batch item (`POST /api/v1/push/batch`) as the item schema gives it, its key apart. */
export interface QuickPushItem {
  request: PushRequest;
  idempotencyKey?: string;
}

/** Checks a push body as `pushRequestSchema(limits).safeParse` does, with the same answers. */
export interface PushRequestChecker {
  safeParse(body: unknown): z.SafeParseReturnType<unknown, PushRequest>;
}

const pushCheckers = new Map<number, PushRequestChecker>();

/**
 * The push path's check of a push body (the HTTP API, the Redis ingress): a common body is
 * checked by hand (below, the same result in well under a microsecond), anything else, and every
 * error, by the schema. One checker per limit value, built once.
 */
export function pushRequestChecker(limits: PushRequestLimits = DEFAULT_PUSH_REQUEST_LIMITS): PushRequestChecker {
  const cached = pushCheckers.get(limits.maxDataDepth);
  if (cached !== undefined) return cached;
  const schema = pushRequestSchema(limits);
  const { maxDataDepth } = limits;
  const checker: PushRequestChecker = {
    safeParse(body) {
      const quick = quickPushRequest(body, maxDataDepth);
      return quick !== undefined ? { success: true, data: quick } : schema.safeParse(body);
    },
  };
  pushCheckers.set(maxDataDepth, checker);
  return checker;
}

/** A push body (`POST /api/v1/push`, a Redis ingress message) in the schema's shape, or undefined: ask the schema. */
export function quickPushRequest(body: unknown, maxDataDepth: number): PushRequest | undefined {
  return quickCheck(body, maxDataDepth, false)?.request;
}

/** A batch item: a push body that may also carry `idempotencyKey`; undefined: ask the item schema. */
export function quickPushItem(body: unknown, maxDataDepth: number): QuickPushItem | undefined {
  return quickCheck(body, maxDataDepth, true);
}

function quickCheck(body: unknown, maxDataDepth: number, keyAllowed: boolean): QuickPushItem | undefined {
  if (!isPlainObject(body)) return undefined;
  let to: PushTarget | undefined;
  let platform: string | undefined;
  let event: string | undefined;
  let data: unknown;
  let hasData = false;
  let durable: boolean | undefined;
  let ttl: number | undefined;
  let idempotencyKey: string | undefined;
  for (const key of Object.keys(body)) {
    const value = body[key];
    switch (key) {
      case 'to':
        to = targetOf(value);
        if (to === undefined) return undefined;
        break;
      case 'platform':
        if (typeof value !== 'string' || !PLATFORM_PATTERN.test(value)) return undefined;
        platform = value;
        break;
      case 'event':
        if (typeof value !== 'string' || !EVENT_PATTERN.test(value) || RESERVED_EVENTS.has(value)) return undefined;
        event = value;
        break;
      case 'data':
        if (value === undefined || checkJsonShape(value, maxDataDepth) !== undefined) return undefined;
        data = value;
        hasData = true;
        break;
      case 'durable':
        if (typeof value !== 'boolean') return undefined;
        durable = value;
        break;
      case 'ttl':
        if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > MAX_TTL_SECONDS) return undefined;
        ttl = value;
        break;
      case 'idempotencyKey':
        if (!keyAllowed || typeof value !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(value)) return undefined;
        idempotencyKey = value;
        break;
      default:
        return undefined;
    }
  }
  if (to === undefined || !hasData) return undefined;
  // The schema's field order: zod writes an object's fields in the order of its shape.
  const request: PushRequest = { to };
  if (platform !== undefined) request.platform = platform;
  if (event !== undefined) request.event = event;
  request.data = data;
  if (durable !== undefined) request.durable = durable;
  if (ttl !== undefined) request.ttl = ttl;
  return idempotencyKey === undefined ? { request } : { request, idempotencyKey };
}

/** An object as JSON.parse makes it: not null, not an array, Object's own prototype. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** A `to` of one field, as the target table's schema (push-targets.ts) gives it. */
function targetOf(to: unknown): PushTarget | undefined {
  if (!isPlainObject(to)) return undefined;
  const keys = Object.keys(to);
  if (keys.length !== 1) return undefined;
  const value = to[keys[0] as string];
  switch (keys[0]) {
    case 'uid': {
      const uid = uidOf(value);
      return uid === undefined ? undefined : { uid };
    }
    case 'uids': {
      if (!Array.isArray(value) || value.length === 0) return undefined;
      const uids: string[] = [];
      for (let i = 0; i < value.length; i++) {
        const uid = uidOf(value[i]);
        if (uid === undefined) return undefined;
        uids.push(uid);
      }
      return { uids };
    }
    case 'topic':
      return typeof value === 'string' && TOPIC_PATTERN.test(value) ? { topic: value } : undefined;
    case 'all':
      return value === true ? { all: true } : undefined;
    default:
      return undefined;
  }
}

/** A uid as fields.ts `UidSchema` gives it: a string of the format, or a non-negative safe integer as a string. */
function uidOf(value: unknown): string | undefined {
  let uid: string;
  if (typeof value === 'string') uid = value;
  else if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= Number.MAX_SAFE_INTEGER) uid = String(value);
  else return undefined;
  return UID_PATTERN.test(uid) ? uid : undefined;
}
