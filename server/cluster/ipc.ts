/**
 * Messages between the primary and its child processes, as a discriminated union on `type`:
 * one-way notifications here, and the calls and replies of the control contract
 * (shared/control/contract.ts, carried by shared/control/rpc.ts).
 * Every Herald message type starts with `herald:` so it never collides with @socket.io/sticky
 * (`sticky:`), the cluster adapter (`source: '_sio_adapter'`) or prom-client (`prom-client:`),
 * which share the channel.
 */
import type { RpcMessage } from '../../shared/control/rpc';
import type { PresenceEntry } from './presence';
import type { WorkerReport } from './stats';

export type { HostReadiness, StatsSample } from '../../shared/control/contract';

/** One presence change, in the order it happened. */
export type PresenceChange = { add: PresenceEntry } | { remove: [uid: string, sid: string] };

export type WorkerToPrimary =
  | { type: 'herald:worker-ready'; nodeId: string }
  | { type: 'herald:report'; report: WorkerReport }
  /** Presence notifications in Redis mode, so the primary can count the host's users; batched. */
  | { type: 'herald:presence-batch'; changes: PresenceChange[] }
  | { type: 'herald:presence-remove'; uid: string; sid: string }
  /** A connection the primary handed over (its id came with it) closed. */
  | { type: 'herald:connection-closed'; connection: number }
  /** Calls and replies of the control contract, both ways (shared/control/rpc.ts). */
  | RpcMessage;

export type ShutdownReason = 'shutdown' | 'reload';

export type PrimaryToWorker =
  | RpcMessage
  | { type: 'herald:shutdown'; reason: ShutdownReason }
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
