/**
 * Where the SDK keeps what must survive a page reload: the device id and the cached endpoint
 * answer. In a browser that is `localStorage`; elsewhere (Node, workers without storage, a
 * browser that refuses storage) a process-wide memory map. A Node service that wants its device
 * id to survive restarts passes its own `KeyValueStorage`.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A storage that lives as long as the object. */
export class MemoryStorage implements KeyValueStorage {
  private readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}

const processStorage = new MemoryStorage();

/**
 * `localStorage` when the environment has a working one, else one memory storage shared by every
 * client in this process. Reading `localStorage` can throw (sandboxed iframes, some private
 * modes), and writing can throw when it is full; both fall back to memory.
 */
export function defaultStorage(): KeyValueStorage {
  try {
    const candidate = (globalThis as { localStorage?: KeyValueStorage }).localStorage;
    if (candidate !== undefined && candidate !== null) {
      const probe = '__herald_probe__';
      candidate.setItem(probe, '1');
      candidate.removeItem(probe);
      return candidate;
    }
  } catch {
    // no usable localStorage
  }
  return processStorage;
}

/** Reads and writes never throw: a storage failure only costs the cache, never the connection. */
export class SafeStorage {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix: string,
  ) {}

  get(key: string): string | null {
    try {
      return this.storage.getItem(this.prefix + key);
    } catch {
      return null;
    }
  }

  set(key: string, value: string): void {
    try {
      this.storage.setItem(this.prefix + key, value);
    } catch {
      // full or refused: the value lives in memory only
    }
  }

  remove(key: string): void {
    try {
      this.storage.removeItem(this.prefix + key);
    } catch {
      // nothing to do
    }
  }
}
