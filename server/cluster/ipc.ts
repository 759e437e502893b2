/**
 * Messages between the primary and its child processes, as a discriminated union on `type`.
 * Every Herald message type starts with `herald:` so it never collides with @socket.io/sticky
 * (`sticky:`), the cluster adapter (`source: '_sio_adapter'`) or prom-client (`prom-client:`),
 * which share the channel.
 */
import type { PushRequest } from '../../shared/protocol';
import type { PresenceEntry } from './presence';
import type { ClusterStats, Rates, WorkerReport } from './stats';

/** One presence change, in the order it happened. */
export type PresenceChange = { add: PresenceEntry } | { remove: [uid: string, sid: string] };

export interface HostReadiness {
  /** Workers that finished starting. */
  readyWorkers: number;
  expectedWorkers: number;
  /** Redis as the primary sees it (host registry); undefined without Redis. */
  redis?: 'ready' | 'down';
}

/** One point of a host's recent history (the dashboard's chart), sampled by the primary every 5 s. */
export interface StatsSample {
  /** ms since epoch. */
  at: number;
  connections: number;
  /** Distinct logged-in uids on the host. */
  users: number;
  /** Per second, over the last ~5 s. */
  rates: Rates;
}

/** Background work a task process runs for a worker or for cron. */
export type TaskJob =
  | { kind: 'push'; request: PushRequest; origin: 'api' | 'publish' | 'stream' | 'cron' }
  | { kind: 'store.cleanup' };

/** Requests a child may make of its primary, with their argument and result types. */
export interface PrimaryRequests {
  'presence.add': { args: PresenceEntry; result: PresenceEntry[] };
  'presence.list': { args: { uid: string }; result: PresenceEntry[] };
  'presence.count': { args: { uids: string[]; platform?: string }; result: number };
  'cluster.stats': { args: Record<string, never>; result: ClusterStats };
  /** This host's samples over the last 30 minutes, oldest first. */
  'stats.history': { args: Record<string, never>; result: StatsSample[] };
  'host.metrics': { args: Record<string, never>; result: string };
  'host.readiness': { args: Record<string, never>; result: HostReadiness };
  /** The least-loaded healthy host's URL, when several hosts share Redis. */
  'cluster.endpoint': { args: Record<string, never>; result: { url?: string } };
  /** Runs a job in a task process; the result is the job's. */
  /** null: a push fan-out no task process could take; the asking worker does it itself. */
  'task.run': { args: TaskJob; result: unknown };
  /** A control command (the CLI's), from a worker's admin API. */
  'control': { args: { command: string; args: Record<string, unknown> }; result: unknown };
  /** Admin sessions and login attempts, shared by every worker (server/http/admin/admin-state.ts). */
  'admin.revoke': { args: { sid: string; expiresAt: number }; result: null };
  'admin.revoked': { args: { sid: string }; result: boolean };
  'admin.login': { args: { ip: string }; result: { ok: boolean; retryAfter: number } };
}

export type PrimaryRequestOp = keyof PrimaryRequests;

export type RequestMessage = {
  [K in PrimaryRequestOp]: { type: 'herald:request'; id: number; op: K; args: PrimaryRequests[K]['args'] };
}[PrimaryRequestOp];

/** The answer to a request in either direction. */
export type ResultMessage<T extends string> =
  | { type: T; id: number; ok: true; result: unknown }
  | { type: T; id: number; ok: false; error: string; code?: string };

export type WorkerToPrimary =
  | { type: 'herald:worker-ready'; nodeId: string }
  | { type: 'herald:report'; report: WorkerReport }
  /** Presence notifications in Redis mode, so the primary can count the host's users; batched. */
  | { type: 'herald:presence-batch'; changes: PresenceChange[] }
  | { type: 'herald:presence-remove'; uid: string; sid: string }
  /** A connection the primary handed over (its id came with it) closed. */
  | { type: 'herald:connection-closed'; connection: number }
  | RequestMessage
  | ResultMessage<'herald:task-done'>
  | ResultMessage<'herald:command-result'>;

export type ShutdownReason = 'shutdown' | 'reload';

export type PrimaryToWorker =
  | ResultMessage<'herald:response'>
  | { type: 'herald:shutdown'; reason: ShutdownReason }
  /** A job for a task process. */
  | { type: 'herald:task-run'; id: number; job: TaskJob }
  /** A command for a child (crontab commands go to the cron process). */
  | { type: 'herald:command'; id: number; command: string; args: Record<string, unknown> }
  /** A TLS connection handed to a worker (the handle travels with the message). */
  | { type: 'herald:tls-connection'; connection: number };

/** What the primary's parent (a test, the CLI's `start -d`) hears when the host is up. */
export interface ReadyNotice {
  type: 'herald:host-ready';
  port: number;
  pid: number;
  hostId: string;
  workers: number;
}

export function isHeraldMessage(message: unknown): message is { type: `herald:${string}` } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (message as { type: string }).type.startsWith('herald:')
  );
}

/**
 * Milliseconds a task job may take (a fan-out to 10,000 users takes a few seconds): the primary
 * gives up on the task process after this; whoever waits on the primary waits a little longer
 * (TASK_REPLY_TIMEOUT_MS), so the primary's answer, not the waiter's own timer, ends the wait.
 */
export const TASK_TIMEOUT_MS = 5 * 60_000;
export const TASK_REPLY_TIMEOUT_MS = TASK_TIMEOUT_MS + 10_000;
