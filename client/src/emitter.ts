/**
 * A minimal typed event emitter (the browser bundle must not pull Node's `events`). A listener
 * that throws does not break the emitter or the SDK's state: the error goes to `onListenerError`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Listener = (...args: any[]) => unknown;

export class Emitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Listener[]>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof Events) => void) {}

  on<K extends keyof Events>(event: K, listener: Events[K]): void {
    const list = this.listeners.get(event);
    if (list) list.push(listener);
    else this.listeners.set(event, [listener]);
  }

  off<K extends keyof Events>(event: K, listener?: Events[K]): void {
    if (listener === undefined) {
      this.listeners.delete(event);
      return;
    }
    const list = this.listeners.get(event);
    if (!list) return;
    const index = list.indexOf(listener);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.listeners.delete(event);
  }

  count(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener in order and returns what each returned (for the push path's promises). */
  emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): unknown[] {
    const list = this.listeners.get(event);
    if (!list) return [];
    const results: unknown[] = [];
    for (const listener of [...list]) {
      try {
        results.push(listener(...args));
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
    return results;
  }

  clear(): void {
    this.listeners.clear();
  }
}
