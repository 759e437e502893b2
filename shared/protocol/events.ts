/**
 * The Socket.IO event surface, typed for socket.io's generics. docs/PROTOCOL.md is the prose
 * version of this file for web and app developers.
 */
import type { Answer, KickPayload, KickReason, LoginResult, RejectedPayload } from './client-payloads';
import type { AckRequest, HeartbeatRequest, LoginRequest, LogoutRequest, ResyncRequest, TopicRequest } from './schemas';

export type { Answer, ErrorAnswer, KickPayload, KickReason, LoginResult, RejectedPayload } from './client-payloads';

/** Whether a client should reconnect after a kick for this reason. */
export const KICK_RECONNECTS: Readonly<Record<KickReason, boolean>> = {
  idle: true,
  logout: false,
  admin: false,
  shutdown: true,
  reload: true,
  too_many_connections: false,
};

/** What a push looks like on the wire, under the push's event name (default `message`). */
export interface PushPayload {
  id: string;
  /** Per-user sequence number; present on durable pushes only. */
  seq?: number;
  /**
   * On durable pushes sent from the store (a replay, a filled hole, a resync): the seq this
   * device was sent before this one. A hole between `prev` and `seq` holds nothing for this
   * device (another platform's pushes, expired ones).
   */
  prev?: number;
  data: unknown;
  /** Milliseconds since the epoch when Herald accepted the push. */
  ts: number;
  /** Present when the push went to a topic. */
  topic?: string;
}

export interface ResyncResult {
  /** Everything meant for this device up to this seq has now been sent on this connection. */
  through: number;
}

export interface HeartbeatResult {
  serverTime: number;
}

export type AnswerCallback<T extends object = object> = (answer: Answer<T>) => void;

export interface ClientToServerEvents {
  login: (payload: LoginRequest, ack?: AnswerCallback<LoginResult>) => void;
  logout: (payload: LogoutRequest, ack?: AnswerCallback) => void;
  heartbeat: (payload: HeartbeatRequest, ack?: AnswerCallback<HeartbeatResult>) => void;
  ack: (payload: AckRequest, ack?: AnswerCallback) => void;
  resync: (payload: ResyncRequest, ack?: AnswerCallback<ResyncResult>) => void;
  subscribe: (payload: TopicRequest, ack?: AnswerCallback) => void;
  unsubscribe: (payload: TopicRequest, ack?: AnswerCallback) => void;
}

export type ClientEventName = keyof ClientToServerEvents;

export interface ServerToClientEvents {
  /** Pushes arrive under their own event name; `message` is the default. */
  message: (payload: PushPayload) => void;
  kick: (payload: KickPayload) => void;
  rejected: (payload: RejectedPayload) => void;
  /** After a login that rode on the handshake: the same result a `login` event answers. */
  login: (answer: Answer<LoginResult>) => void;
}

/**
 * One durable push to many users in one adapter message: the payload once, and each recipient's
 * room with its seq. Each server emits locally to the rooms it holds.
 */
export interface BulkDelivery {
  event: string;
  id: string;
  data: unknown;
  ts: number;
  topic?: string;
  /** [room, seq] pairs: a user's room (or a socket id) and that user's seq. */
  targets: [string, number][];
}

/** Messages between Socket.IO servers through the adapter (`io.serverSideEmit`). */
export interface InterServerEvents {
  'herald:bulk': (delivery: BulkDelivery) => void;
}

/** What Herald keeps on each socket (`socket.data`). */
export interface SocketData {
  /** Set while logged in. */
  uid?: string;
  platform?: string;
  device?: string | null;
  /** When the current login succeeded (ms since epoch). */
  loginAt?: number;
  /** Last interaction: any event received, or any push delivered (ms since epoch). */
  lastActive: number;
  /** Client address, honouring X-Forwarded-For only from trusted proxies. */
  ip: string;
  /**
   * The highest durable seq of the logged-in user sent to this socket with no hole before it
   * (socket/seq-gate.ts): acks may not go past it. Undefined until known.
   */
  sentSeq?: number;
  /**
   * Server-side bookkeeping of the idle sweeper (socket/idle-sweeper.ts): since when the socket
   * has been neither logged in nor subscribed, as of the last sweep (ms since epoch).
   */
  anonymousSince?: number;
}
