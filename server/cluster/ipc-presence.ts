import type { PresenceChange } from './ipc';
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

/** Milliseconds presence changes are gathered before one message tells the primary. */
const NOTIFY_BATCH_MS = 100;

/**
 * In Redis mode the authoritative presence is in Redis; the primary still hears every change so
 * it can count the host's distinct users for stats without asking Redis. The changes go in one
 * message every 100 ms rather than one per login: a reconnect storm is thousands a second.
 */
export class HostCountingPresence implements Presence {
  private changes: PresenceChange[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: Presence,
    private readonly primary: PrimaryClient,
  ) {}

  add(entry: PresenceEntry): Promise<PresenceEntry[]> {
    this.changes.push({ add: entry });
    this.schedule();
    return this.inner.add(entry);
  }

  remove(uid: string, sid: string): Promise<void> {
    this.changes.push({ remove: [uid, sid] });
    this.schedule();
    return this.inner.remove(uid, sid);
  }

  /** Sends what is gathered now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.changes.length === 0) return;
    this.primary.send({ type: 'herald:presence-batch', changes: this.changes });
    this.changes = [];
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), NOTIFY_BATCH_MS);
    this.timer.unref();
  }

  list(uid: string): Promise<PresenceEntry[]> {
    return this.inner.list(uid);
  }

  countConnections(uids: readonly string[], platform?: string): Promise<number> {
    return this.inner.countConnections(uids, platform);
  }

  close(): Promise<void> {
    this.flush();
    return this.inner.close();
  }
}
