/**
 * Replay on login (contract section 8): a device logging in with a device id gets, in seq order,
 * the stored messages past its cursor that have not expired — at most `replayLimit`, the newest —
 * before any live push, so it sees increasing seqs. A device never seen starts from the
 * retention window. Live pushes that arrive meanwhile are held by the delivery tracker and
 * released after the replay, minus what the replay already carried.
 */
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { PushPayload } from '../../shared/protocol';
import type { MessageStore, StoredMessage } from '../../shared/store';
import type { DeliveryTracker } from './delivery-tracker';
import type { HeraldSocket } from './types';

export interface ReplayPlan {
  messages: StoredMessage[];
  truncated: boolean;
  /** The device's cursor the replay started after. */
  after: number;
}

/** What the login answer says about the replay that follows it. */
export interface ReplaySummary {
  /** Messages that follow the answer. */
  count: number;
  /** Older messages past the cursor were dropped to respect the limit. */
  truncated: boolean;
  /** The store could not be read: nothing is replayed this time. */
  unavailable?: true;
}

type Emitter = { emit(event: string, payload: PushPayload): boolean };

export class ReplayService {
  constructor(
    private readonly store: MessageStore,
    private readonly tracker: DeliveryTracker,
    private readonly limit: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Before the socket joins its user's rooms: hold live pushes until the replay is sent. */
  begin(socket: HeraldSocket): void {
    this.tracker.hold(socket);
  }

  /** Reads what the device missed. Undefined when the store cannot answer. */
  async load(uid: string, device: string, platform: string): Promise<ReplayPlan | undefined> {
    try {
      const after = (await this.store.getCursor(uid, device)) ?? 0;
      const { messages, truncated } = await this.store.replay(uid, after, this.limit, this.clock.now(), platform);
      return { messages, truncated, after };
    } catch (err) {
      this.logger.warn('replay skipped: the message store is unavailable', { uid, error: (err as Error).message });
      return undefined;
    }
  }

  summary(plan: ReplayPlan | undefined): ReplaySummary {
    if (plan === undefined) return { count: 0, truncated: false, unavailable: true };
    return { count: plan.messages.length, truncated: plan.truncated };
  }

  /** Sends the replay in seq order, then releases the held live pushes. */
  send(socket: HeraldSocket, plan: ReplayPlan | undefined): void {
    let last = 0;
    if (plan !== undefined && socket.connected) {
      // The cursor is known to have been delivered: a late ack up to it is fine.
      this.tracker.allowAckUpTo(socket, plan.after);
      const emitter = socket as unknown as Emitter;
      for (const m of plan.messages) {
        const payload: PushPayload = { id: m.id, seq: m.seq, data: JSON.parse(m.data) as unknown, ts: m.createdAt };
        if (m.topic !== null) payload.topic = m.topic;
        emitter.emit(m.event, payload);
        this.tracker.noteDirect(socket, m.seq);
        last = m.seq;
      }
    }
    this.tracker.release(socket, last);
  }
}
