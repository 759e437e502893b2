/**
 * Replay on login (contract section 8): a device logging in with a device id gets, in seq order,
 * the stored messages past its cursor that have not expired — at most `replayLimit`, the newest —
 * before any live push, so it sees increasing seqs. A device never seen starts from the
 * retention window. Live pushes that arrive meanwhile wait in the seq gate (seq-gate.ts), which
 * sends them after the replay, minus what the replay already carried.
 *
 * This file reads; the gate sends. The same reads serve the gate when it fills a hole in a live
 * connection.
 */
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { MessageStore, StoredMessage } from '../../shared/store';
import type { GapSource } from './seq-gate';

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
  /** The device's cursor: the first replayed message follows it (`prev`). Absent when unavailable. */
  after?: number;
  /** The store could not be read: nothing is replayed now; it follows once the store answers. */
  unavailable?: true;
}

export class ReplayService implements GapSource {
  constructor(
    private readonly store: MessageStore,
    private readonly limit: number,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Reads what the device missed. Undefined when the store cannot answer. */
  async load(uid: string, device: string, platform: string): Promise<ReplayPlan | undefined> {
    try {
      const after = await this.cursor(uid, device);
      const { messages, truncated } = await this.store.replay(uid, after, this.limit, this.clock.now(), platform);
      return { messages, truncated, after };
    } catch (err) {
      this.logger.warn('replay deferred: the message store is unavailable', { uid, error: (err as Error).message });
      return undefined;
    }
  }

  summary(plan: ReplayPlan | undefined): ReplaySummary {
    if (plan === undefined) return { count: 0, truncated: false, unavailable: true };
    return { count: plan.messages.length, truncated: plan.truncated, after: plan.after };
  }

  /** GapSource: a page (`replayLimit`) of what a device should have past `after`, oldest first. */
  async read(uid: string, after: number, platform: string): Promise<StoredMessage[]> {
    return this.store.gap(uid, after, this.limit, this.clock.now(), platform);
  }

  /** GapSource: messages per read. */
  get pageSize(): number {
    return this.limit;
  }

  /**
   * GapSource: where a connection starts. With a device, its cursor (0 when it has none);
   * without one, the user's newest stored seq: such a connection gets what comes after its login.
   */
  async cursor(uid: string, device: string | null): Promise<number> {
    if (device === null) return this.latest(uid);
    return (await this.store.getCursor(uid, device)) ?? 0;
  }

  /** The user's newest unexpired seq, 0 when none. */
  async latest(uid: string): Promise<number> {
    const { messages } = await this.store.replay(uid, 0, 1, this.clock.now());
    return messages[messages.length - 1]?.seq ?? 0;
  }
}
