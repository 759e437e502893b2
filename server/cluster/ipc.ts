/**
 * Messages between the primary and its workers, as a discriminated union on `type`. Every Herald
 * message type starts with `herald:` so it never collides with @socket.io/sticky (`sticky:`), the
 * cluster adapter (`source: '_sio_adapter'`) or prom-client (`prom-client:`), which share the channel.
 */
import type { PresenceEntry } from './presence';
import type { ClusterStats, WorkerReport } from './stats';

export interface HostReadiness {
  /** Workers that finished starting. */
  readyWorkers: number;
  expectedWorkers: number;
  /** Redis as the primary sees it (host registry); undefined without Redis. */
  redis?: 'ready' | 'down';
}

/** Requests a worker may make of its primary, with their argument and result types. */
export interface PrimaryRequests {
  'presence.add': { args: PresenceEntry; result: PresenceEntry[] };
  'presence.list': { args: { uid: string }; result: PresenceEntry[] };
  'presence.count': { args: { uids: string[]; platform?: string }; result: number };
  'cluster.stats': { args: Record<string, never>; result: ClusterStats };
  'host.metrics': { args: Record<string, never>; result: string };
  'host.readiness': { args: Record<string, never>; result: HostReadiness };
  /** The least-loaded healthy host's URL, when several hosts share Redis. */
  'cluster.endpoint': { args: Record<string, never>; result: { url?: string } };
}

export type PrimaryRequestOp = keyof PrimaryRequests;

export type RequestMessage = {
  [K in PrimaryRequestOp]: { type: 'herald:request'; id: number; op: K; args: PrimaryRequests[K]['args'] };
}[PrimaryRequestOp];

export type WorkerToPrimary =
  | { type: 'herald:worker-ready'; nodeId: string }
  | { type: 'herald:report'; report: WorkerReport }
  /** Presence notifications in Redis mode, so the primary can count the host's users. */
  | { type: 'herald:presence-add'; entry: PresenceEntry }
  | { type: 'herald:presence-remove'; uid: string; sid: string }
  | RequestMessage;

export type ShutdownReason = 'shutdown' | 'reload';

export type PrimaryToWorker =
  | { type: 'herald:response'; id: number; ok: true; result: unknown }
  | { type: 'herald:response'; id: number; ok: false; error: string }
  | { type: 'herald:shutdown'; reason: ShutdownReason };

/** What the primary's parent (a test, a supervisor) hears when the host is up. */
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
