import type { Presence, PresenceEntry } from './presence';
import type { PrimaryClient } from './primary-client';

/** Presence without Redis: the primary holds this host's table; workers ask it over IPC. */
export class IpcPresence implements Presence {
  constructor(private readonly primary: PrimaryClient) {}

  add(entry: PresenceEntry): Promise<PresenceEntry[]> {
    return this.primary.request('presence.add', entry);
  }

  async remove(uid: string, sid: string): Promise<void> {
    this.primary.send({ type: 'herald:presence-remove', uid, sid });
  }

  list(uid: string): Promise<PresenceEntry[]> {
    return this.primary.request('presence.list', { uid });
  }

  countConnections(uids: readonly string[], platform?: string): Promise<number> {
    return this.primary.request('presence.count', platform === undefined ? { uids: [...uids] } : { uids: [...uids], platform });
  }

  async close(): Promise<void> {}
}

/**
 * In Redis mode the authoritative presence is in Redis; the primary still hears every change so
 * it can count the host's distinct users for stats without asking Redis.
 */
export class HostCountingPresence implements Presence {
  constructor(
    private readonly inner: Presence,
    private readonly primary: PrimaryClient,
  ) {}

  add(entry: PresenceEntry): Promise<PresenceEntry[]> {
    this.primary.send({ type: 'herald:presence-add', entry });
    return this.inner.add(entry);
  }

  remove(uid: string, sid: string): Promise<void> {
    this.primary.send({ type: 'herald:presence-remove', uid, sid });
    return this.inner.remove(uid, sid);
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
