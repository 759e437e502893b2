/**
 * One zod schema per payload: it validates at runtime and gives the TypeScript type.
 * Objects are strict: an unknown field is a BAD_REQUEST, so a typo never passes silently.
 */
import { z } from 'zod';
import { EVENT_PATTERN, MAX_REASON_LENGTH, RESERVED_EVENTS } from './limits';
import { credential, device, platform, topic, UidSchema } from './fields';
import { checkJsonShape, describeJsonShapeProblem } from './json-shape';
import { PushTargetSchema } from './push-targets';

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

/** Limits of a push body that come from the configuration (`push.*`). */
export interface PushRequestLimits {
  /** Deepest nesting of `data` (`[]` and `{}` are 1 level). @default 32 */
  maxDataDepth: number;
}

export const DEFAULT_PUSH_REQUEST_LIMITS: Readonly<PushRequestLimits> = Object.freeze({
  maxDataDepth: 32, // levels; V8's IPC serializer overflowed past ~2,000
});

/**
 * The push body with the configured limits. `data` is checked by an iterative walk before
 * anything recursive (JSON.stringify, the IPC serializer) sees it; zod itself never descends
 * into `data` (z.unknown). One schema per limit value, built once.
 */
export function pushRequestSchema(limits: PushRequestLimits = DEFAULT_PUSH_REQUEST_LIMITS) {
  const cached = pushSchemas.get(limits.maxDataDepth);
  if (cached !== undefined) return cached;
  const schema = buildPushRequestSchema(limits.maxDataDepth);
  pushSchemas.set(limits.maxDataDepth, schema);
  return schema;
}

function buildPushRequestSchema(maxDataDepth: number) {
  return z
    .object({
      to: PushTargetSchema,
      platform: platform.optional(),
      event: eventName.optional(),
      data: z.unknown().superRefine((v, ctx) => {
        if (v === undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'is required' });
          return;
        }
        const problem = checkJsonShape(v, maxDataDepth);
        if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: describeJsonShapeProblem(problem, maxDataDepth) });
      }),
      durable: z.boolean().optional(),
      /** Seconds a durable push stays replayable; at most the retention. */
      ttl: z.number().int().positive().max(365 * 24 * 3600).optional(),
    })
    .strict();
}

const pushSchemas = new Map<number, ReturnType<typeof buildPushRequestSchema>>();

/** The push body with the default limits (configuration files, tools without a config). */
export const PushRequestSchema = pushRequestSchema();
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

/** Unknown keys named in one message; more are counted. */
const MAX_NAMED_KEYS = 5;
/** Characters of an unknown key quoted in a message (the client chose it; it may be huge). */
const MAX_KEY_CHARS = 64;

/**
 * Formats one zod issue as `path: message`, e.g. `to.uid: must match …`. An unknown field comes
 * first whatever else is wrong — `{ topik: 'x' }` answers `unknown field "topik"`, not
 * `topic: Required` (zod lists the missing field first, though the typo explains it). `root`
 * prefixes every path (`auth` for the handshake: `auth: unknown field "tokn"`).
 */
export function describeZodError(error: z.ZodError, root?: string): string {
  const issue = error.issues.find((i) => i.code === z.ZodIssueCode.unrecognized_keys) ?? error.issues[0];
  if (!issue) return 'invalid';
  const parts = [...(root !== undefined ? [root] : []), ...issue.path.map(String)];
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const what = describeUnknownKeys(issue.keys);
    return parts.length > 0 ? `${parts.join('.')}: ${what}` : what;
  }
  return `${parts.length > 0 ? parts.join('.') : '(payload)'}: ${issue.message}`;
}

/** `unknown field "topik"`, `unknown fields "a", "b"`, `unknown fields "a", … and 3 more`. */
function describeUnknownKeys(keys: readonly string[]): string {
  const quoted = keys.slice(0, MAX_NAMED_KEYS).map((k) => JSON.stringify(k.length > MAX_KEY_CHARS ? `${k.slice(0, MAX_KEY_CHARS)}…` : k));
  const more = keys.length > MAX_NAMED_KEYS ? ` and ${keys.length - MAX_NAMED_KEYS} more` : '';
  return `unknown field${keys.length > 1 ? 's' : ''} ${quoted.join(', ')}${more}`;
}
