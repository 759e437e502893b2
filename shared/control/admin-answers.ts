/**
 * The JSON the admin API (/api/v1/admin/…) answers, as types: what server/http/routes/admin.ts
 * and users.ts produce (`satisfies`) and what the dashboard (console/src/dashboard.ts) reads. The
 * command results inside (process, task and cron rows) are the control contract's (contract.ts).
 *
 * Types only, imported with `import type`: the console's bundle must stay free of server code
 * (console/build.mjs fails the build otherwise). Add fields, do not rename: the page reads them.
 */
import type { ErrorBody } from '../errors';
import type { TargetForm } from '../protocol/push-targets';
import type { OverviewCommands, ResultOf, StatsSample, TaskPushResult } from './contract';

/** Every host's snapshot and the cluster's totals (`cluster.stats`). */
export type ClusterStats = ResultOf<'cluster.stats'>;

/** One host in the overview: its workers, counts and rates. */
export type HostSnapshot = ClusterStats['hosts'][number];

/** One part of an answer that may fail alone (the cron process down leaves the rest). */
export type Section<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };

/** POST /api/v1/admin/login. */
export interface AdminLoginAnswer {
  ok: true;
  /** `password`, or `key:<id>` for an API key. */
  via: string;
  /** When the session ends, ms since epoch. */
  expiresAt: number;
  csrf: string;
}

/** A way to log in to the dashboard: the body field POST /api/v1/admin/login takes. */
export type AdminLoginMethod = 'password' | 'apiKey';

/**
 * GET /api/v1/admin/login (no credentials needed): the ways in this host accepts, the admin
 * password first when one is configured; empty when nobody can log in. The login form offers
 * these and picks the first.
 */
export interface AdminLoginMethodsAnswer {
  ok: true;
  methods: AdminLoginMethod[];
}

/** GET /api/v1/admin/session: who is logged in, and what the page needs to call the API. */
export interface AdminSessionAnswer {
  ok: true;
  /** `password` or `key:<id>`: how the session was opened, or the API key a caller without one used. */
  via: string;
  /** ms since epoch; null for an API key. */
  expiresAt: number | null;
  /** The CSRF token POSTs carry (cookie sessions only), else null. */
  csrf: string | null;
  /** The header the CSRF token goes in. */
  csrfHeader: string;
  hostId: string;
  env: string;
  /** Whether the test tool (/console) is on. */
  console: boolean;
  /** The push targets the push form offers, in the table's order (shared/protocol/push-targets.ts). */
  pushTargets: readonly TargetForm[];
}

/** GET /api/v1/admin/overview, besides the command sections. */
export interface OverviewHead {
  ok: true;
  hostId: string;
  /** ms since epoch. */
  at: number;
  /** Every host's snapshot and the totals; only `{ hosts: [] }` when the primary did not answer. */
  stats: ClusterStats | { hosts: HostSnapshot[]; totals?: undefined };
  /** This host's samples over the last 30 minutes, oldest first; empty when the primary did not answer. */
  history: StatsSample[];
}

/**
 * The overview's command sections: one per admin command the contract marks `overview: '<key>'`
 * (OverviewCommands in contract.ts, derived from the command map), each that command's result or
 * its error. The server fills them from OVERVIEW_SECTIONS, the same marks at run time.
 */
export type OverviewSections = { [S in keyof OverviewCommands]: Section<ResultOf<OverviewCommands[S]>> };

/** GET /api/v1/admin/overview: what the dashboard refreshes every 5 s. */
export type AdminOverview = OverviewHead & OverviewSections;

/** POST /api/v1/admin/crontab/:action (stop, resume, run): the jobs, and what was done. */
export type AdminCronAnswer = { ok: true } & ResultOf<'crontab.stop'>;

/** POST /api/v1/push and /api/v1/admin/push. */
export type PushAnswer = { ok: true } & TaskPushResult;

/** POST /api/v1/kick and /api/v1/admin/kick. */
export interface KickAnswer {
  ok: true;
  uid: string;
  /** Connections kicked. */
  kicked: number;
}

/** One connection of a user, as the online look-up shows it. */
export interface OnlineSession {
  sid: string;
  platform: string;
  device: string | null;
  /** Login time, ms since epoch. */
  since: number;
  /** The worker holding it: `<hostId>/<worker index>/<pid>`. */
  node: string;
}

/** GET /api/v1/online/:uid. */
export interface OnlineAnswer {
  ok: true;
  uid: string;
  online: boolean;
  connections: number;
  /** The platforms connected, sorted. */
  platforms: string[];
  sessions: OnlineSession[];
}

/** A stored push as the history API and the user look-up show it. */
export interface MessageRow {
  seq: number;
  id: string;
  event: string;
  data: unknown;
  /** When Herald accepted it, ms since epoch. */
  ts: number;
  /** When it stops being delivered, ms since epoch. */
  expiresAt: number;
  topic?: string;
  platform?: string;
}

/** The user look-up's messages: the newest ones, or why they cannot be shown. */
export type RecentMessages = { ok: true; truncated: boolean; rows: MessageRow[] } | { ok: false; error: ErrorBody };

/** GET /api/v1/admin/users/:uid: the online look-up and the user's recent durable messages. */
export interface AdminUserAnswer extends OnlineAnswer {
  messages: RecentMessages;
}
