/**
 * The durable half of the push path (contract section 8): a push is committed to the message
 * store, each recipient with its own per-user seq, before the API answers; then each user's
 * connections get it live, carrying that seq. A device that missed it gets it on its next login
 * (socket/replay-service.ts).
 *
 * Recipients, as the push's target routes them (shared/protocol/push-targets.ts): the users it
 * names (`uid`, `uids`), each copy to that user's room; or, for a target that names none (`topic`,
 * `all` sent with `durable: true`), the users logged in and in its rooms at that moment, found
 * across the cluster; anonymous members get it live without a seq, as they have no cursor to
 * resume from.
 */
import type { HeraldConfig } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { IdempotencyCompletion, MessageStore, NewMessage } from '../../shared/store';
import type { HeraldServer } from '../socket/types';
import type { Deliverer, DurableLane, PreparedPush } from './push-service';

interface Recipients {
  /** uid → the rooms (socket ids, or the user's room) to deliver its copy to. */
  users: Map<string, string[]>;
  /** Anonymous matching connections (topic and all pushes). */
  anonymous: string[];
}

export class StoreDurableLane implements DurableLane {
  constructor(
    private readonly store: MessageStore,
    private readonly io: HeraldServer,
    private readonly config: HeraldConfig,
    private readonly logger?: Logger,
  ) {}

  async storeAndDeliver(push: PreparedPush, deliverer: Deliverer): Promise<void> {
    const [deliver] = await this.commit([push], deliverer);
    deliver?.();
  }

  /**
   * Commits every push of `pushes` in ONE store call, so group commit writes them in one
   * transaction (a batch of the push API: all of them or none), each recipient's copies getting
   * seqs in the order of `pushes`. Resolves with one function per push that sends its live copies;
   * the caller runs them in order, so each user gets the pushes in that order.
   */
  async commit(pushes: readonly PreparedPush[], deliverer: Deliverer): Promise<(() => void)[]> {
    const all = await Promise.all(pushes.map((push) => (push.uids.length > 0 ? this.targetUsers(push) : this.currentSubscribers(push))));
    const messages: NewMessage[] = [];
    const completions: IdempotencyCompletion[] = [];
    const retention = this.config.delivery.retention;
    pushes.forEach((push, p) => {
      const expiresAt = push.ts + Math.min(push.ttl ?? retention, retention) * 1000;
      for (const uid of (all[p] as Recipients).users.keys()) {
        messages.push({
          id: push.id,
          uid,
          event: push.event,
          data: push.dataJson,
          topic: push.topic ?? null,
          platform: push.platform ?? null,
          createdAt: push.ts,
          expiresAt,
        });
      }
      // With an Idempotency-Key, its answer commits in the same transaction as the messages
      // (push/idempotency.ts); `online` is filled in right after.
      if (push.idempotency !== undefined) completions.push({ ...push.idempotency, answer: JSON.stringify({ id: push.id, stored: true, online: null }) });
    });
    const seqs = messages.length > 0 || completions.length > 0 ? await this.store.append(messages, completions) : [];
    // Stored: from here each push is answered 200 whatever the live copies meet. A copy the
    // adapter refuses (Redis away, its buffer full) reaches the device through the seq gate's
    // fill or the re-sync after recovery; a retry must not store it again under new seqs.
    let next = 0;
    return pushes.map((push, p) => {
      const recipients = all[p] as Recipients;
      const targets = [...recipients.users].map(([, rooms]) => ({ rooms, seq: seqs[next++] as number }));
      return () => {
        if (targets.length > 0) this.afterCommit(() => deliverer.deliverWithSeqs(push, targets));
        if (recipients.anonymous.length > 0) this.afterCommit(() => deliverer.deliver(push, recipients.anonymous));
      };
    });
  }

  private afterCommit(deliver: () => void): void {
    try {
      deliver();
    } catch (err) {
      this.logger?.warn('live copies of a stored push not sent; devices get them from the store', { error: (err as Error).message });
    }
  }

  private targetUsers(push: PreparedPush): Recipients {
    // The target's route gave one room per named user, in order.
    const users = new Map<string, string[]>();
    push.uids.forEach((uid, i) => users.set(uid, [push.rooms[i] as string]));
    return { users, anonymous: [] };
  }

  /** Who a topic or all push reaches right now, on every worker of every host. */
  private async currentSubscribers(push: PreparedPush): Promise<Recipients> {
    const sockets = await (push.rooms.length > 0 ? this.io.in(push.rooms) : this.io).fetchSockets();
    const users = new Map<string, string[]>();
    const anonymous: string[] = [];
    for (const socket of sockets) {
      const uid = socket.data.uid;
      if (uid === undefined) {
        anonymous.push(socket.id);
        continue;
      }
      const list = users.get(uid);
      if (list === undefined) users.set(uid, [socket.id]);
      else list.push(socket.id);
    }
    return { users, anonymous };
  }
}
