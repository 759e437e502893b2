/**
 * One zod schema per payload: it validates at runtime and gives the TypeScript type.
 * Objects are strict: an unknown field is a BAD_REQUEST, so a typo never passes silently.
 */
import { z } from 'zod';
import {
  DEVICE_PATTERN,
  EVENT_PATTERN,
  MAX_CREDENTIAL_LENGTH,
  MAX_REASON_LENGTH,
  PLATFORM_PATTERN,
  RESERVED_EVENTS,
  TOPIC_PATTERN,
  UID_PATTERN,
} from './limits';

const credential = z.string().min(1).max(MAX_CREDENTIAL_LENGTH);
const platform = z.string().regex(PLATFORM_PATTERN, 'must match [a-z0-9_-]{1,16}');
const device = z.string().regex(DEVICE_PATTERN, 'must match [A-Za-z0-9_.:-]{1,128}');
const topic = z.string().regex(TOPIC_PATTERN, 'must match [A-Za-z0-9_.:-]{1,128}');

/** A uid: a string of the uid format, or a non-negative safe integer (normalised to a string). */
export const UidSchema = z
  .union([z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)])
  .transform((v) => String(v))
  .refine((v) => UID_PATTERN.test(v), 'must match [A-Za-z0-9_.:@-]{1,64}');

// ---------------------------------------------------------------------------------------------
// Client → server events
// ---------------------------------------------------------------------------------------------

export const LoginSchema = z
  .object({
    ukey: credential.optional(),
    token: credential.optional(),
    platform: platform.optional(),
    device: device.optional(),
  })
  .strict()
  .refine((v) => (v.ukey === undefined) !== (v.token === undefined), {
    message: 'exactly one of ukey and token is required',
  });
export type LoginRequest = z.infer<typeof LoginSchema>;

export const LogoutSchema = z.object({}).strict();
export type LogoutRequest = z.infer<typeof LogoutSchema>;

/** `body` is the one optional free-form field the seed allows. */
export const HeartbeatSchema = z.object({ body: z.unknown().optional() }).strict();
export type HeartbeatRequest = z.infer<typeof HeartbeatSchema>;

export const AckSchema = z.object({ seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).strict();
export type AckRequest = z.infer<typeof AckSchema>;

/** `after`: the highest seq the client holds without a hole (0: none). */
export const ResyncSchema = z.object({ after: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }).strict();
export type ResyncRequest = z.infer<typeof ResyncSchema>;

export const TopicRequestSchema = z.object({ topic }).strict();
export type TopicRequest = z.infer<typeof TopicRequestSchema>;

/** The handshake's `auth` object: `io(url, { auth: { token } })`. Empty means anonymous. */
export const HandshakeAuthSchema = z
  .object({
    ukey: credential.optional(),
    token: credential.optional(),
    platform: platform.optional(),
    device: device.optional(),
  })
  .strict()
  .refine((v) => v.ukey === undefined || v.token === undefined, {
    message: 'at most one of ukey and token',
  });
export type HandshakeAuth = z.infer<typeof HandshakeAuthSchema>;

// ---------------------------------------------------------------------------------------------
// HTTP API and Redis ingress bodies
// ---------------------------------------------------------------------------------------------

const eventName = z
  .string()
  .regex(EVENT_PATTERN, 'must match [A-Za-z0-9_.:-]{1,64}')
  .refine((v) => !RESERVED_EVENTS.has(v), 'is a reserved event name');

const TARGET_SHAPES = 'must be exactly one of { uid }, { uids }, { topic }, { all: true }';

export const PushTargetSchema = z
  .object({}, { required_error: `is required and ${TARGET_SHAPES}` })
  .passthrough()
  .pipe(
    z.union(
      [
        z.object({ uid: UidSchema }).strict(),
        z.object({ uids: z.array(UidSchema).min(1) }).strict(),
        z.object({ topic }).strict(),
        z.object({ all: z.literal(true) }).strict(),
      ],
      { errorMap: (issue, ctx) => (issue.code === 'invalid_union' ? { message: TARGET_SHAPES } : { message: ctx.defaultError }) },
    ),
  );
export type PushTarget = z.infer<typeof PushTargetSchema>;

export const PushRequestSchema = z
  .object({
    to: PushTargetSchema,
    platform: platform.optional(),
    event: eventName.optional(),
    data: z.unknown().refine((v) => v !== undefined, 'is required'),
    durable: z.boolean().optional(),
    /** Seconds a durable push stays replayable; at most the retention. */
    ttl: z.number().int().positive().max(365 * 24 * 3600).optional(),
  })
  .strict();
export type PushRequest = z.infer<typeof PushRequestSchema>;

export const KickRequestSchema = z
  .object({
    uid: UidSchema,
    reason: z.enum(['admin', 'logout']).optional(),
    message: z.string().max(MAX_REASON_LENGTH).optional(),
    platform: platform.optional(),
  })
  .strict();
export type KickRequest = z.infer<typeof KickRequestSchema>;

/** Formats the first zod issue as `path: message`, e.g. `to.uid: must match …`. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.length > 0 ? issue.path.join('.') : '(payload)';
  return `${path}: ${issue.message}`;
}
