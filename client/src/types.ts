/**
 * The SDK's public types: credentials, answers, push metadata and the lifecycle event map.
 * Protocol types come from `shared/protocol` as type-only imports, so the browser bundle never
 * pulls zod. `ClientSnapshot` is what `inspect()` returns.
 */
import type { ErrorAnswer, KickPayload, LoginResult, RejectedPayload } from '../../shared/protocol/client-payloads';
import type { ClientPolicy } from './policy';

/** `{ ukey }` for web sessions, `{ token }` for apps (contract section 3). */
export type Credentials = { ukey: string; token?: never } | { token: string; ukey?: never };

/** Error codes Herald answers with. */
export type ServerErrorCode = ErrorAnswer['error']['code'];

/**
 * Codes the SDK itself produces: `TIMEOUT` (no answer in time), `DISCONNECTED` (the connection
 * closed before the answer), `CLOSED` (`close()` was called), `BAD_PUSH` (a push that is not
 * `{ id, data, ts }`), `HANDLER_ERROR` (an app handler threw), `ENDPOINT_FAILED` (the endpoint
 * look-up failed), `CONNECT_FAILED` (the Socket.IO handshake failed), `CANCELLED` (a pending
 * subscribe undone by `unsubscribe()` before it was sent).
 */
export type ClientErrorCode =
  | 'TIMEOUT'
  | 'DISCONNECTED'
  | 'CLOSED'
  | 'CANCELLED'
  | 'BAD_PUSH'
  | 'HANDLER_ERROR'
  | 'ENDPOINT_FAILED'
  | 'CONNECT_FAILED';

export interface HeraldErrorBody {
  code: ServerErrorCode | ClientErrorCode;
  message: string;
  /** Seconds after which a retry may succeed. */
  retryAfter?: number;
}

/** Every request's outcome: the server's answer, or an SDK error. Never thrown. */
export type RequestAnswer<T extends object = object> = ({ ok: true } & T) | { ok: false; error: HeraldErrorBody };

/** What a push handler gets beside the data. */
export interface PushMeta {
  /** The push's event name (`message` unless the sender chose another). */
  event: string;
  id: string;
  /** Per-user sequence number of a durable push; undefined for ephemeral pushes. */
  seq: number | undefined;
  /** Milliseconds since the epoch when Herald accepted the push. */
  ts: number;
  /** The topic, when the push went to one. */
  topic: string | undefined;
}

/**
 * A push handler. When it returns a promise, a durable push is acknowledged after the promise
 * settles; otherwise right after the handler returns.
 */
export type PushHandler<T = unknown> = (data: T, meta: PushMeta) => void | Promise<void>;

/** Where the client is. */
export type ClientState =
  /** Created with `autoConnect: false`, `connect()` not called yet. */
  | 'idle'
  /** An attempt is running (endpoint look-up, then the Socket.IO handshake). */
  | 'connecting'
  | 'connected'
  /** Waiting for the next reconnect attempt. */
  | 'reconnecting'
  /** Every reconnect attempt failed; `connect()` starts again. */
  | 'failed'
  /** `close()`, or a kick without reconnect; `connect()` starts again. */
  | 'closed';

export type DisconnectReason =
  /** `close()` was called. */
  | 'closed'
  /** The server kicked the connection (see the `kicked` event). */
  | 'kicked'
  /** Heartbeats went unanswered: the SDK closed the connection. */
  | 'heartbeat timeout'
  /** The server closed the connection without a kick. */
  | 'server disconnect'
  /** Socket.IO's own reasons: the transport closed or failed, Engine.IO pings stopped. */
  | 'transport close'
  | 'transport error'
  | 'ping timeout'
  | 'parse error';

export interface ConnectedInfo {
  /** The Socket.IO URL connected to. */
  url: string;
  /** `websocket` or `polling`. */
  transport: string;
}

export interface LoginFailure extends HeraldErrorBody {
  /** Milliseconds until the next attempt. */
  retryIn: number;
}

export interface ReconnectingInfo {
  /** 1, 2, 3: which attempt is scheduled. */
  attempt: number;
  /** Milliseconds from now until it starts. */
  delay: number;
}

export interface DisconnectedInfo {
  reason: DisconnectReason;
  /** Whether the reconnect policy runs now. */
  willReconnect: boolean;
}

export interface FailedInfo {
  /** Reconnect attempts made. */
  attempts: number;
  /** Why the last attempt failed. */
  error: HeraldErrorBody;
}

/** Lifecycle events: `client.on('loggedIn', (result) => …)`. */
export interface HeraldLifecycleEvents {
  /** A connection is up (before any login). */
  connected: (info: ConnectedInfo) => void;
  /** Login succeeded; after every reconnect it happens again with the same credentials. */
  loggedIn: (result: LoginResult) => void;
  /** A login attempt failed; another one follows after `retryIn` ms. */
  loginFailed: (failure: LoginFailure) => void;
  /** `logout()` completed: the connection stays up, anonymous. */
  loggedOut: () => void;
  /** A reconnect attempt is scheduled. */
  reconnecting: (info: ReconnectingInfo) => void;
  /** Every reconnect attempt failed; the cached endpoint is dropped; `connect()` starts again. */
  failed: (info: FailedInfo) => void;
  /** The server kicked the connection; `reconnect` says whether the SDK comes back. */
  kicked: (kick: KickPayload) => void;
  /** A connection that was up is gone. */
  disconnected: (info: DisconnectedInfo) => void;
  /** A (re)subscription the server refused; the topic is forgotten. */
  subscribeFailed: (topic: string, error: HeraldErrorBody) => void;
  /** The server rejected a request sent without an answer callback. */
  rejected: (payload: RejectedPayload) => void;
  /** A push handler or lifecycle listener threw, or a push was malformed. */
  error: (error: HeraldErrorBody & { cause?: unknown }) => void;
}

export type LifecycleEventName = keyof HeraldLifecycleEvents;

/** Every lifecycle event name: `on()` sends any other name to the push handlers. */
export const LIFECYCLE_EVENTS: readonly LifecycleEventName[] = Object.freeze([
  'connected',
  'loggedIn',
  'loginFailed',
  'loggedOut',
  'reconnecting',
  'failed',
  'kicked',
  'disconnected',
  'subscribeFailed',
  'rejected',
  'error',
]);

/** The heartbeat monitor's figures, in milliseconds (the policy's are seconds). */
export interface HeartbeatSnapshot {
  /** Whether the monitor runs: connected, with `heartbeat` not switched off. */
  running: boolean;
  /** ms since epoch of the last event sent or received on the connection. */
  lastActivity: number;
  /** Heartbeats sent without an answer yet; 0 while none is outstanding. */
  unanswered: number;
  /** ms of silence before a heartbeat. */
  interval: number;
  /** ms to wait for a heartbeat answer. */
  timeout: number;
  /** Heartbeats sent again after an unanswered one before the connection counts as dead. */
  retries: number;
}

/** Where the reconnect rule stands. */
export interface ReconnectSnapshot {
  /** Attempts scheduled since the last successful connection (3 once `failed`, with the defaults). */
  attempts: number;
  /**
   * The attempt scheduled (`at` still ahead) or running (`at` past, state `connecting`), `at` in
   * ms since epoch; attempt 0 is the quick return after a reload kick. Null when none: connected,
   * closed, failed, or no connection lost yet.
   */
  next: { attempt: number; at: number } | null;
}

/** Durable delivery on this login. */
export interface DurableSnapshot {
  /**
   * The highest seq handed to the push handlers with none missing before it: the device's cursor
   * from the login answer, then every durable push received in order. Null until known.
   */
  lastSeq: number | null;
  /** The seq of the last `ack` sent, null before the first one of this uid. */
  ackedSeq: number | null;
  /** Pushes processed but not acknowledged yet (sent within `ackBatch.maxDelay`). */
  pendingAcks: number;
  /** Pushes waiting behind a hole in the seqs for the resync's answer. */
  waiting: number;
  /** A `resync` is under way on this connection. */
  resyncing: boolean;
}

/**
 * What `client.inspect()` returns: a plain copy of the client's state at one moment, for a debug
 * panel (Herald's /console shows it) or a log line. Changing it changes nothing in the client.
 * The credential itself is never in it, only its kind.
 */
export interface ClientSnapshot {
  state: ClientState;
  /** The Socket.IO URL of the current or last connection attempt. */
  url: string | null;
  /** The live connection's transport (`websocket`, `polling`; it changes on upgrade), else null. */
  transport: string | null;
  deviceId: string;
  /** The kind of credentials the client logs in with, or null without any. */
  credentials: 'token' | 'ukey' | null;
  /** The login answer while logged in on the current connection, else null. */
  user: LoginResult | null;
  /** Topics kept (sent again after every reconnect). */
  subscriptions: string[];
  /** Requests (`subscribe`, `unsubscribe`, `logout`, `resync`, `emitRaw`) waiting for their answer. */
  openRequests: number;
  reconnect: ReconnectSnapshot;
  heartbeat: HeartbeatSnapshot;
  durable: DurableSnapshot;
  /** The connection policy in force (seconds). */
  policy: ClientPolicy;
}
