/**
 * Who is online where. Every worker records its logged-in connections here; the per-user
 * connection limit, GET /api/v1/online, push answers and stats read it back cluster-wide.
 *
 * Two implementations sit behind one interface: without Redis the primary holds the table and
 * workers reach it over IPC (ipc-presence.ts); with Redis it lives in Redis (redis-presence.ts).
 */

export type { PresenceEntry } from '../../shared/control/reports';
import type { PresenceEntry } from '../../shared/control/reports';

export interface Presence {
  /** Records a login; resolves to all of the user's entries (this one included), oldest first. */
  add(entry: PresenceEntry): Promise<PresenceEntry[]>;
  /** Forgets a connection (logout, re-login as someone else, disconnect). */
  remove(uid: string, sid: string): Promise<void>;
  /** The user's entries, oldest first. */
  list(uid: string): Promise<PresenceEntry[]>;
  /** Connections of these users, optionally on one platform only. */
  countConnections(uids: readonly string[], platform?: string): Promise<number>;
  close(): Promise<void>;
}

export function byLoginTime(a: PresenceEntry, b: PresenceEntry): number {
  return a.since - b.since || (a.sid < b.sid ? -1 : a.sid > b.sid ? 1 : 0);
}

/**
 * The in-memory table: the primary's copy for one host. It also counts a host's distinct users
 * in Redis mode, where the authoritative copy is in Redis.
 */
export class PresenceTable {
  private readonly byUid = new Map<string, Map<string, PresenceEntry>>();
  private readonly byNode = new Map<string, Map<string, string>>();

  add(entry: PresenceEntry): PresenceEntry[] {
    let sessions = this.byUid.get(entry.uid);
    if (sessions === undefined) {
      sessions = new Map();
      this.byUid.set(entry.uid, sessions);
    }
    sessions.set(entry.sid, entry);
    let node = this.byNode.get(entry.nodeId);
    if (node === undefined) {
      node = new Map();
      this.byNode.set(entry.nodeId, node);
    }
    node.set(entry.sid, entry.uid);
    return [...sessions.values()].sort(byLoginTime);
  }

  remove(uid: string, sid: string): void {
    const sessions = this.byUid.get(uid);
    const entry = sessions?.get(sid);
    if (sessions === undefined || entry === undefined) return;
    sessions.delete(sid);
    if (sessions.size === 0) this.byUid.delete(uid);
    const node = this.byNode.get(entry.nodeId);
    node?.delete(sid);
    if (node !== undefined && node.size === 0) this.byNode.delete(entry.nodeId);
  }

  list(uid: string): PresenceEntry[] {
    const sessions = this.byUid.get(uid);
    return sessions === undefined ? [] : [...sessions.values()].sort(byLoginTime);
  }

  countConnections(uids: readonly string[], platform?: string): number {
    let count = 0;
    for (const uid of new Set(uids)) {
      const sessions = this.byUid.get(uid);
      if (sessions === undefined) continue;
      if (platform === undefined) {
        count += sessions.size;
      } else {
        for (const entry of sessions.values()) if (entry.platform === platform) count++;
      }
    }
    return count;
  }

  /** Drops every entry of a worker that died; returns how many. */
  dropNode(nodeId: string): number {
    const node = this.byNode.get(nodeId);
    if (node === undefined) return 0;
    const entries = [...node];
    for (const [sid, uid] of entries) this.remove(uid, sid);
    this.byNode.delete(nodeId);
    return entries.length;
  }

  /** Distinct logged-in users. */
  get users(): number {
    return this.byUid.size;
  }
}
