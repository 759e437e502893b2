/**
 * What a client receives from Herald apart from pushes: login and request answers, the kick and
 * the rejected payload. Kept apart from events.ts (which re-exports all of it) because this file
 * imports no schema: the SDK package ships these types in its .d.ts files (client/build-package.mjs),
 * and they must not pull zod. docs/PROTOCOL.md describes them.
 */
import type { ErrorBody } from '../errors';

/** Why the server closes a connection; sent in `kick` right before it does. */
export type KickReason = 'idle' | 'logout' | 'admin' | 'shutdown' | 'reload' | 'too_many_connections';

export interface KickPayload {
  reason: KickReason;
  reconnect: boolean;
  /** Free text given by an operator through POST /api/v1/kick. */
  message?: string;
}

export type ErrorAnswer = { ok: false; error: ErrorBody };
export type Answer<T extends object = object> = ({ ok: true } & T) | ErrorAnswer;

export interface LoginResult {
  uid: string;
  platform: string;
  device: string | null;
  /** Milliseconds since the epoch. */
  serverTime: number;
  /** Seconds of silence after which the server kicks the connection. */
  idleTimeout: number;
  /** Seconds of silence after which a client should send `heartbeat`. */
  heartbeatInterval: number;
  /**
   * Present when the login had a device id and durable delivery is on: how many stored messages
   * follow this answer (before any live push), and whether older ones were dropped.
   */
  replay?: { count: number; truncated: boolean; after?: number; unavailable?: true };
}

/** Sent when a request without an ack callback fails, or for an unknown event. */
export interface RejectedPayload {
  event: string;
  error: ErrorBody;
}
