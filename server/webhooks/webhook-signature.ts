/**
 * The signature of a webhook request (CONTRACT.md 6b): `X-Herald-Timestamp: <unix seconds>` and
 * `X-Herald-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with webhooks.secret.
 * `verifyWebhook` is what a Node receiver runs (docs/WEBHOOKS.md); the tests use it too.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Herald-Timestamp';
export const SIGNATURE_HEADER = 'X-Herald-Signature';

/** `sha256=<hex>` for this timestamp and body. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * True when `signature` is this body's and `timestamp` is within `toleranceS` of `nowS`
 * (a replayed old request is refused).
 */
export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string, nowS = Date.now() / 1000, toleranceS = 300): boolean {
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(nowS - ts) > toleranceS) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
