/**
 * zod schemas of the single fields several payloads share (a uid, a topic, a platform, …), so
 * that the event schemas (schemas.ts) and the push targets (push-targets.ts) check them alike.
 */
import { z } from 'zod';
import { DEVICE_PATTERN, MAX_CREDENTIAL_LENGTH, PLATFORM_PATTERN, TOPIC_PATTERN, UID_PATTERN } from './limits';

export const credential = z.string().min(1).max(MAX_CREDENTIAL_LENGTH);
export const platform = z.string().regex(PLATFORM_PATTERN, 'must match [a-z0-9_-]{1,16}');
export const device = z.string().regex(DEVICE_PATTERN, 'must match [A-Za-z0-9_.:-]{1,128}');
export const topic = z.string().regex(TOPIC_PATTERN, 'must match [A-Za-z0-9_.:-]{1,128}');

/** A uid: a string of the uid format, or a non-negative safe integer (normalised to a string). */
export const UidSchema = z
  .union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform((v) => String(v))
  .refine((v) => UID_PATTERN.test(v), 'must match [A-Za-z0-9_.:@-]{1,64}');
