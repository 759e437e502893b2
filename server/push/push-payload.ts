/**
 * The one function that builds a push's wire payload (`{ id, data, ts, seq?, prev?, topic? }`,
 * shared/protocol/events.ts `PushPayload`) and emits it, for every path a push takes to a client:
 * a live broadcast through the adapter (push-service.ts), this server's part of a bulk delivery,
 * and a replay or fill from the store (socket/seq-gate.ts). It is on the delivery path: one
 * payload object per emit, and Socket.IO encodes it once for every socket the emit reaches.
 */
import type { PushPayload } from '../../shared/protocol';
import type { HeraldServer, HeraldSocket } from '../socket/types';

/** What a push is emitted on: the whole server, a room selection (`io.to(…)`, `io.local.to(…)`), or one socket. */
export type PushDestination = HeraldServer | HeraldSocket | ReturnType<HeraldServer['to']>;

/** Push events carry the push's own name, which Socket.IO's typed `emit` cannot know. */
type Emitter = { emit(event: string, payload: PushPayload): boolean };

/**
 * Emits one push under `event`. `seq`: the recipient's per-user seq (durable pushes); `prev`: the
 * seq this device was sent before it (copies sent from the store, docs/DELIVERY.md).
 */
export function emitPush(
  to: PushDestination,
  event: string,
  id: string,
  data: unknown,
  ts: number,
  topic: string | undefined,
  seq?: number,
  prev?: number,
): void {
  const payload: PushPayload = { id, data, ts };
  if (seq !== undefined) payload.seq = seq;
  if (prev !== undefined) payload.prev = prev;
  if (topic !== undefined) payload.topic = topic;
  (to as unknown as Emitter).emit(event, payload);
}
