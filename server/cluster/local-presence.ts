import { PresenceTable, type Presence, type PresenceEntry } from './presence';

/** Presence for a single process (tests, one-process mode): the table itself, behind the interface. */
export class LocalPresence implements Presence {
  constructor(readonly table: PresenceTable = new PresenceTable()) {}

  async add(entry: PresenceEntry): Promise<PresenceEntry[]> {
    return this.table.add(entry);
  }

  async remove(uid: string, sid: string): Promise<void> {
    this.table.remove(uid, sid);
  }

  async list(uid: string): Promise<PresenceEntry[]> {
    return this.table.list(uid);
  }

  async countConnections(uids: readonly string[], platform?: string): Promise<number> {
    return this.table.countConnections(uids, platform);
  }

  async close(): Promise<void> {}
}
