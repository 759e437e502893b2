/**
 * What a `HeraldClient` is created with. Durations in the connection policy are seconds, like the
 * server's configuration and the endpoint answer.
 */
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { AckBatcherOptions } from './ack-batcher';
import type { Clock } from './clock';
import type { PolicyOverrides } from './policy';
import type { KeyValueStorage } from './storage';
import type { Credentials } from './types';

/** Socket.IO options the SDK leaves to the app (the rest it sets itself, see docs/CLIENT.md). */
export type ExtraSocketOptions = Omit<
  Partial<ManagerOptions & SocketOptions>,
  'reconnection' | 'autoConnect' | 'forceNew' | 'path' | 'transports' | 'timeout'
>;

export interface HeraldClientOptions {
  /**
   * URL of Herald's `GET /api/v1/endpoint`, e.g. `https://push.example.com/api/v1/endpoint`. The
   * answer gives the Socket.IO URL, transports and connection policy. Give this or `url`.
   */
  endpoint?: string;
  /** Socket.IO URL to connect to directly, without the endpoint look-up. Give this or `endpoint`. */
  url?: string;
  /** Socket.IO path. @default the endpoint's, else '/socket.io' */
  path?: string;
  /** Transports to use, in order. @default the endpoint's, else socket.io-client's default */
  transports?: ('websocket' | 'polling')[];
  /** Log in with these after every (re)connect. @default none: the connection stays anonymous */
  credentials?: Credentials | null;
  /** Platform tag sent with login (`web`, `ios`, `android`, …). @default 'web' in a browser, else none */
  platform?: string;
  /** Device id sent with login. @default generated once and kept in `storage` */
  device?: string;
  /** Connect as soon as the client is created. @default true */
  autoConnect?: boolean;
  /** Send heartbeats. Switch off only to test the server's idle kick. @default true */
  heartbeat?: boolean;
  /** Adjusts the connection policy over the defaults and the server's (seconds). */
  policy?: PolicyOverrides;
  /** Acknowledgement batching of durable pushes. @default { maxDelay: 1000, maxBatch: 100 } */
  ackBatch?: Partial<AckBatcherOptions>;
  /** Where the device id and the endpoint answer are kept. @default localStorage in a browser, else memory */
  storage?: KeyValueStorage;
  /** Prefix of every storage key. @default 'herald:' */
  storagePrefix?: string;
  /** Time source for every rule's timer; inject a fake clock in tests. @default the system clock */
  clock?: Clock;
  /** Randomness for the reconnect jitter, [0, 1). @default Math.random */
  random?: () => number;
  /**
   * After `kick { reason: 'reload' }` the server is replacing a worker and is up: the client comes
   * back within this many milliseconds (spread at random so a worker's clients do not all return
   * at once), before the reconnect policy applies. @default 3000
   */
  reloadReconnectWindow?: number;
  /** Used for the endpoint look-up. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** Further socket.io-client options (e.g. `extraHeaders`, `withCredentials`, `query`). */
  socketOptions?: ExtraSocketOptions;
}
