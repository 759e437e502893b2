/**
 * Presence as the socket workers use it, telling the webhook producer about a user's first
 * connection (add answers with only this entry) and last disconnection (after a remove, the
 * user's list is empty). Only built when webhooks are on; the extra list() after a remove runs
 * after the remove, off the disconnect's path.
 */
import type { Presence, PresenceEntry } from '../cluster/presence';
import type { WebhookProducer } from './webhook-producer';

export class WebhookPresence implements Presence {
  constructor(
    private readonly inner: Presence,
    private readonly producer: WebhookProducer,
  ) {}

  async add(entry: PresenceEntry): Promise<PresenceEntry[]> {
    const entries = await this.inner.add(entry);
    if (entries.length === 1 && entries[0]?.sid === entry.sid) this.producer.userOnline(entry.uid);
    return entries;
  }

  async remove(uid: string, sid: string): Promise<void> {
    await this.inner.remove(uid, sid);
    void this.inner.list(uid).then(
      (left) => {
        if (left.length === 0) this.producer.userOffline(uid);
      },
      () => undefined,
    );
  }

  list(uid: string): Promise<PresenceEntry[]> {
    return this.inner.list(uid);
  }

  countConnections(uids: readonly string[], platform?: string): Promise<number> {
    return this.inner.countConnections(uids, platform);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
