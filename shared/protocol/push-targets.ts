/**
 * Push targets: every kind of `to` a push may have, in one table. A target is named by its one
 * field (`{ uid }` is the `uid` target) and says, once:
 *   - `schema`: its `to` object (strict), checked by the HTTP API, the Redis ingress and the
 *     configuration's cron pushes;
 *   - `durableByDefault`: whether it is stored unless `durable: false` (contract section 8);
 *   - `route`: the rooms it is delivered to and who its recipients are (see TargetRoute);
 *   - `input` and `summary`: how operator tools (`herald push --<kind>`) ask for it.
 * The push path (server/push/push-service.ts, durable-lane.ts) reads this table and nothing else
 * about targets. Room names come from server/socket/rooms.ts through `TargetRooms`, so that
 * naming rooms stays in one file. Adding a target: docs/ARCHITECTURE.md, "How to add a push
 * target".
 */
import { z } from 'zod';
import { topic, UidSchema } from './fields';

/** The room names a target can deliver to; server/socket/rooms.ts gives them. */
export interface TargetRooms {
  /** Every connection of a user, or only those on `platform`. */
  user(uid: string, platform?: string): string;
  /** Every subscriber of a topic, or only the logged-in ones on `platform`. */
  topic(topic: string, platform?: string): string;
  /** Every logged-in connection on one platform. */
  platform(platform: string): string;
}

/** Where one push goes. */
export interface TargetRoute {
  /**
   * The users the push names, each once. Non-empty: each gets its own stored copy and seq, its
   * copy goes to `rooms[i]`, and the HTTP answer counts their connections (`online`). Empty: the
   * push reaches whoever is in `rooms` when it is sent; a durable one is stored for the users
   * logged in there at that moment, and `online` is null.
   */
  users: string[];
  /** The rooms to deliver to; empty means every connection. */
  rooms: string[];
  /** The topic named in the payload (`topic` field), if any. */
  topic?: string;
}

export interface PushTargetSpec<S extends z.ZodTypeAny> {
  /** The `to` object of this target: its one field, strict. */
  schema: S;
  /** How the target reads in the error `to: must be exactly one of …`. */
  shape: string;
  /** Stored unless `durable: false` (true), or only with `durable: true` (false). */
  durableByDefault: boolean;
  /** The rooms and recipients of a push to `to`, on `platform` when the push names one. */
  route(to: z.output<S>, platform: string | undefined, rooms: TargetRooms): TargetRoute;
  /** What an operator types: one value, a comma-separated list, or nothing (`{ <kind>: true }`). */
  input: 'value' | 'list' | 'flag';
  /** A few words for `herald push --help`. */
  summary: string;
}

/** Lets TypeScript infer each entry's `to` type from its schema. */
const target = <S extends z.ZodTypeAny>(spec: PushTargetSpec<S>): PushTargetSpec<S> => spec;

const NO_USERS: string[] = [];

/** The table. Order matters: it is the order of the schema union and of the error message. */
export const PUSH_TARGETS = {
  uid: target({
    schema: z.object({ uid: UidSchema }).strict(),
    shape: '{ uid }',
    durableByDefault: true,
    route: (to, platform, rooms) => ({ users: [to.uid], rooms: [rooms.user(to.uid, platform)] }),
    input: 'value',
    summary: 'one user',
  }),
  uids: target({
    schema: z.object({ uids: z.array(UidSchema).min(1) }).strict(),
    shape: '{ uids }',
    durableByDefault: true,
    route: (to, platform, rooms) => {
      const users = [...new Set(to.uids)];
      return { users, rooms: users.map((uid) => rooms.user(uid, platform)) };
    },
    input: 'list',
    summary: 'several users, comma-separated',
  }),
  topic: target({
    schema: z.object({ topic }).strict(),
    shape: '{ topic }',
    durableByDefault: false,
    route: (to, platform, rooms) => ({ users: NO_USERS, rooms: [rooms.topic(to.topic, platform)], topic: to.topic }),
    input: 'value',
    summary: 'a topic',
  }),
  all: target({
    schema: z.object({ all: z.literal(true) }).strict(),
    shape: '{ all: true }',
    durableByDefault: false,
    route: (_to, platform, rooms) => ({ users: NO_USERS, rooms: platform === undefined ? [] : [rooms.platform(platform)] }),
    input: 'flag',
    summary: 'every connection',
  }),
};

export type TargetKind = keyof typeof PUSH_TARGETS;
/** A valid `to`: one of the table's shapes. */
export type PushTarget = { [K in TargetKind]: z.output<(typeof PUSH_TARGETS)[K]['schema']> }[TargetKind];

/** The kinds in table order. */
export const TARGET_KINDS = Object.keys(PUSH_TARGETS) as TargetKind[];

const TARGET_SHAPES = `must be exactly one of ${TARGET_KINDS.map((kind) => PUSH_TARGETS[kind].shape).join(', ')}`;

/**
 * The target: exactly one of the table's strict shapes. The value reaches the union as it is (no
 * copy): a passthrough copy turned a `__proto__` key into the prototype, and the union then saw
 * only `uid` and accepted `{ uid, __proto__: … }` with the field silently dropped.
 */
export const PushTargetSchema: z.ZodType<PushTarget, z.ZodTypeDef, unknown> = z
  .unknown()
  .superRefine((v, ctx) => {
    if (v === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `is required and ${TARGET_SHAPES}`, fatal: true });
    else if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      const received = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `Expected object, received ${received}; ${TARGET_SHAPES}`, fatal: true });
    }
  })
  .pipe(
    z.union(TARGET_KINDS.map((kind) => PUSH_TARGETS[kind].schema) as unknown as [z.ZodTypeAny, z.ZodTypeAny, ...z.ZodTypeAny[]], {
      errorMap: (issue, ctx) => (issue.code === 'invalid_union' ? { message: TARGET_SHAPES } : { message: ctx.defaultError }),
    }),
  );

/** How an operator tool offers a target: the dashboard builds its target list from this. */
export interface TargetForm {
  kind: TargetKind;
  input: PushTargetSpec<z.ZodTypeAny>['input'];
  summary: string;
}

/** The table as operator tools read it, in table order. */
export const TARGET_FORMS: readonly TargetForm[] = TARGET_KINDS.map((kind) => ({ kind, input: PUSH_TARGETS[kind].input, summary: PUSH_TARGETS[kind].summary }));

/** The kind of a valid `to`: its one field. */
export function targetKind(to: PushTarget): TargetKind {
  return Object.keys(to)[0] as TargetKind;
}

/** The table entry and the route of a valid `to`. */
export function routeTarget(to: PushTarget, platform: string | undefined, rooms: TargetRooms): { kind: TargetKind; spec: PushTargetSpec<z.ZodTypeAny>; route: TargetRoute } {
  const kind = targetKind(to);
  const spec = PUSH_TARGETS[kind] as PushTargetSpec<z.ZodTypeAny>;
  return { kind, spec, route: spec.route(to, platform, rooms) };
}
