/**
 * What the runner and its load-client processes say to each other over IPC: commands with an
 * id, answered by one `reply` with the same id, and a `status` the clients send on their own a
 * few times a second while something changes.
 */
import type { HistogramData } from '../histogram';

/** How a connection logs in: a JWT signed in the client process, or a ukey the fake main site knows. */
export type LoginSpec = { kind: 'token'; secret: string; ttlSeconds: number } | { kind: 'ukey' };

/** Load connections log in with `ukey-<uid>`; the fake main site maps it back to the uid. */
export const UKEY_PREFIX = 'ukey-';

export function ukeyFor(uid: string): string {
  return `${UKEY_PREFIX}${uid}`;
}

export interface ConnectCommand {
  type: 'connect';
  id: number;
  /** The websocket URL (`ws://…/socket.io/?EIO=4&transport=websocket`). */
  url: string;
  /** Global index of the first connection; uid = uidPrefix + index. */
  first: number;
  count: number;
  uidPrefix: string;
  /** null: connect only (the baselines, or the login scenario's anonymous connections). */
  login: LoginSpec | null;
  /** Source addresses, used round-robin (127.0.0.2 …). */
  addresses: string[];
  /** Handshakes in flight at once in this process. */
  concurrency: number;
  /** A connection that has no Socket.IO CONNECT answer within this many ms counts as hung. */
  handshakeTimeoutMs: number;
  /** Tries per connection (hangs, errors and failed logins count). */
  attempts: number;
  /** The command answers by this many ms at the latest, with whatever is connected. */
  deadlineMs: number;
  /** Milliseconds between `heartbeat` events of a logged-in connection (the server kicks after 180 s of silence). */
  heartbeatMs: number;
}

export interface LoginAllCommand {
  type: 'login-all';
  id: number;
  login: LoginSpec;
  /** Logins in flight at once in this process. */
  concurrency: number;
  deadlineMs: number;
}

export interface PolicyCommand {
  type: 'policy';
  id: number;
  /** Reconnect (and log in again) right after an unexpected close. */
  reconnect: boolean;
  /** Handshakes in flight at once while reconnecting. */
  concurrency: number;
}

/** Starts counting a push event from zero; `latency` also reads the times out of each frame. */
export interface MeasureCommand {
  type: 'measure';
  id: number;
  event: string;
  mode: 'count' | 'latency';
}

/** Zeroes the close and reconnect counters (before a worker is killed). */
export interface MarkCommand {
  type: 'mark';
  id: number;
}

export interface CollectCommand {
  type: 'collect';
  id: number;
}

export interface CloseAllCommand {
  type: 'close-all';
  id: number;
}

export type FleetCommand = ConnectCommand | LoginAllCommand | PolicyCommand | MeasureCommand | MarkCommand | CollectCommand | CloseAllCommand;

/** One process's counters. */
export interface ClientStatus {
  /** Connections with the Socket.IO namespace connected. */
  open: number;
  loggedIn: number;
  /** Matching push events received since the last `measure`. */
  received: number;
  /** Connections that received at least one matching event since the last `measure`. */
  reached: number;
  /** Handshakes with no CONNECT answer in time (the sticky hand-off race shows up here). */
  hung: number;
  /** Connection attempts that failed otherwise (refused, reset, closed during the handshake). */
  connectErrors: number;
  loginFailures: number;
  /** Unexpected closes since the last `mark`. */
  closes: number;
  /** Reconnect attempts since the last `mark`. */
  reconnects: number;
  /** Wall-clock ms of the last matching event. */
  lastReceiveAt: number;
  /** Failure reasons and their counts (`login:RATE_LIMITED`, `kick:idle`, `hung`, …). */
  reasons: Record<string, number>;
}

export interface ConnectResult {
  ok: number;
  failed: number;
  ms: number;
}

export interface LoginAllResult {
  ok: number;
  failed: number;
  ms: number;
  latency: HistogramData;
}

export interface Collected {
  status: ClientStatus;
  /** From the moment the push was meant to be sent (in `data`) to receipt. */
  latency: HistogramData;
  /** From the server's `ts` to receipt. */
  serverLatency: HistogramData;
}

export interface ReplyMessage {
  type: 'reply';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface StatusMessage {
  type: 'status';
  status: ClientStatus;
}

export type ClientMessage = ReplyMessage | StatusMessage;
