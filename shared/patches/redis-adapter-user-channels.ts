/**
 * Patch of @socket.io/redis-adapter 8.3.0 (`ShardedRedisAdapter`, with socket.io-adapter 2.5.8's
 * MessageType): the Redis adapter of every child process (server/cluster/child-runtime.ts).
 *
 * Why: the sharded adapter in dynamic mode gives a channel of its own to every room, and
 * publishes straight to Redis with no way to hold a publish during an outage or to refuse an
 * ephemeral push that can be neither sent nor held. This replaces, on the adapter instance, the
 * methods that choose a room's channel (`shouldUseASeparateNamespace`, `computeChannel`), that
 * publish (`doPublish`), that broadcast (`broadcast`), that count servers (`serverCount`) and, to
 * count what reaches each process, the one that takes a message from Redis (`onRawMessage`).
 * test/integration/library-patches.test.ts fails when the installed version or those methods
 * change.
 */
import type { ServerOptions } from 'socket.io';
import { MessageType } from 'socket.io-adapter';
import { HeraldError } from '../errors';

export const PINNED = [
  { library: '@socket.io/redis-adapter', version: '8.3.0' },
  { library: 'socket.io-adapter', version: '2.5.8' },
] as const;

/** The Redis outage buffer (server/cluster/redis-outage-buffer.ts) as the adapter uses it. */
export interface OutageGate {
  readonly state: string;
  /** Throws REDIS_UNAVAILABLE when an ephemeral push can be neither sent nor held. */
  admit(): void;
  publish(channel: string, payload: string | Buffer, kind: 'ephemeral-push' | 'other'): void;
}

/** Herald's rules the adapter routes by. */
export interface RoutingRules {
  /** A user's own room: the one kind of room with a channel of its own. */
  isUserRoom(room: string): boolean;
  /** An ephemeral push (the only delivery refused while Redis is unreachable). */
  isEphemeralPush(packet: EventPacket | undefined): boolean;
  /** Called for every message the adapter receives from Redis, before it is decoded. */
  onMessage?(): void;
}

/** What userRoutedAdapter reads and replaces on a ShardedRedisAdapter instance. */
interface ShardedInternals {
  shouldUseASeparateNamespace(room: string): boolean;
  computeChannel(message: AdapterMessage): string;
  dynamicChannel(room: string): string;
  encode(message: AdapterMessage): string | Buffer;
  doPublish(message: AdapterMessage): Promise<string>;
  broadcast(packet: EventPacket, opts: { flags?: { local?: boolean } }): unknown;
  serverCount(): Promise<number>;
  onRawMessage(raw: Buffer, channel: Buffer): void;
  channel: string;
}

export interface EventPacket {
  type: number;
  data?: unknown;
}

interface AdapterMessage {
  type: number;
  data?: { requestId?: unknown; opts?: { rooms?: string[] }; packet?: EventPacket };
}

/**
 * Sharded pub/sub (Redis 7) in dynamic mode, with a channel of its own for each user's room only:
 * a push to one user is published on that user's channel, which only processes holding one of
 * the user's sockets subscribe to, so a host that holds none never sees it. Every other room
 * (platform, topic, socket ids) stays on the namespace channel, which keeps a subscription per
 * connection rather than three.
 *
 * Every publish goes through the outage buffer; an ephemeral push that it can neither send nor
 * hold throws REDIS_UNAVAILABLE from `emit()` (before any local delivery), which the push path
 * passes on (HTTP 503; a stream entry stays pending). While the adapter is not up, a question to
 * every server (fetchSockets) fails at once with REDIS_UNAVAILABLE instead of waiting for Redis.
 */
export function userRoutedAdapter(factory: (nsp: unknown) => unknown, outage: OutageGate, rules: RoutingRules): NonNullable<ServerOptions['adapter']> {
  const { isUserRoom, isEphemeralPush, onMessage } = rules;
  // A plain function: Socket.IO calls the adapter option with `new`.
  return function (nsp: unknown) {
    const adapter = factory(nsp) as ShardedInternals;
    adapter.shouldUseASeparateNamespace = isUserRoom;
    adapter.computeChannel = (message) => {
      const rooms = message.data?.opts?.rooms;
      const single = message.type === MessageType.BROADCAST && message.data?.requestId === undefined && rooms?.length === 1 ? rooms[0] : undefined;
      return single !== undefined && isUserRoom(single) ? adapter.dynamicChannel(single) : adapter.channel;
    };
    adapter.doPublish = (message) => {
      const kind: 'ephemeral-push' | 'other' = message.type === MessageType.BROADCAST && isEphemeralPush(message.data?.packet) ? 'ephemeral-push' : 'other';
      outage.publish(adapter.computeChannel(message), adapter.encode(message), kind);
      // Resolved at once: local delivery does not wait for Redis (the offset is unused).
      return Promise.resolve('');
    };
    const broadcast = adapter.broadcast.bind(adapter);
    adapter.broadcast = (packet, opts) => {
      if (opts.flags?.local !== true && isEphemeralPush(packet)) outage.admit();
      return broadcast(packet, opts);
    };
    if (onMessage !== undefined) {
      // The library's subscription handler calls `this.onRawMessage` on each message.
      const onRawMessage = adapter.onRawMessage.bind(adapter);
      adapter.onRawMessage = (raw, channel) => {
        onMessage();
        onRawMessage(raw, channel);
      };
    }
    const serverCount = adapter.serverCount.bind(adapter);
    adapter.serverCount = () => {
      if (outage.state !== 'up') return Promise.reject(new HeraldError('REDIS_UNAVAILABLE', 'Redis is unreachable: cannot ask every server', { retryAfter: 1 }));
      return serverCount();
    };
    return adapter;
  } as unknown as NonNullable<ServerOptions['adapter']>;
}
