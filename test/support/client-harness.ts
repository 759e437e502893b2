/**
 * Helpers for the SDK's tests: a fake clock the SDK runs on (socket.io's own I/O stays real), a
 * `FakeHerald` stamping records with that clock, SDK clients with test defaults, a log of their
 * lifecycle events, and `cleanup()` that leaves no socket, server or timer behind.
 */
import { createServer, type Server as NetServer, type Socket as NetSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createClock, type Clock as FakeTimersClock } from '@sinonjs/fake-timers';
import { expect } from 'chai';
import {
  HeraldClient,
  LIFECYCLE_EVENTS,
  MemoryStorage,
  type HeraldClientOptions,
  type HeraldLifecycleEvents,
  type KeyValueStorage,
} from '../../client/src';
import type { Clock } from '../../client/src/clock';
import { FakeHerald, type FakeHeraldOptions, type RecordKind } from './fake-herald';

/** Where every fake clock starts: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

type LifecycleName = keyof HeraldLifecycleEvents;

export interface LoggedEvent {
  event: LifecycleName;
  /** Fake-clock time of the event. */
  at: number;
  args: unknown[];
}

/** Real-time pause, for letting I/O happen; keep it short. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the arguments of the next `event`; fails after `ms` of real time. */
export function nextEvent<K extends LifecycleName>(
  client: HeraldClient,
  event: K,
  ms = 2000,
): Promise<Parameters<HeraldLifecycleEvents[K]>> {
  return new Promise((resolve, reject) => {
    const listener = ((...args: Parameters<HeraldLifecycleEvents[K]>) => {
      clearTimeout(timer);
      client.off(event, listener);
      resolve(args);
    }) as HeraldLifecycleEvents[K];
    const timer = setTimeout(() => {
      client.off(event, listener);
      reject(new Error(`no "${event}" within ${ms} ms (client state: ${client.state})`));
    }, ms);
    client.on(event, listener);
  });
}

/** Waits (real time) until `predicate` holds. */
export async function until(predicate: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await realDelay(5);
  }
}

/**
 * An SDK client for a test: on `clock` and `storage`, connecting straight to `url` over websocket
 * unless `options` names an endpoint; `options` win.
 */
export function testClient(url: string, clock: Clock, storage: KeyValueStorage, options: Partial<HeraldClientOptions>): HeraldClient {
  const defaults: HeraldClientOptions = options.endpoint === undefined ? { url, transports: ['websocket'] } : {};
  return new HeraldClient({ ...defaults, clock, storage, ...options });
}

/** Logs every lifecycle event of `client` from now on, stamped with `clock`'s time. */
export function recordLifecycle(client: HeraldClient, clock: Pick<Clock, 'now'>): LoggedEvent[] {
  const log: LoggedEvent[] = [];
  for (const event of LIFECYCLE_EVENTS) {
    client.on(event, ((...args: unknown[]) => log.push({ event, at: clock.now(), args })) as never);
  }
  return log;
}

/**
 * Moves a fake clock by `ms` in steps of `step`, letting real I/O happen between steps, so
 * answers (heartbeats, logins) arrive in time: for long simulated spans such as an hour. No real
 * time passes inside one tick, so `step` must stay well under every answer timeout (30 s).
 */
export async function advanceInSteps(tick: (ms: number) => Promise<unknown>, ms: number, step = 5_000): Promise<void> {
  for (let left = ms; left > 0; left -= step) {
    await tick(Math.min(step, left));
    await realDelay(2);
  }
}

export class ClientFixture {
  /** The fake clock; `tick()` moves it. */
  readonly fake: FakeTimersClock;
  /** The same clock in the SDK's (and Herald's) `Clock` shape. */
  readonly clock: Clock;
  /** Shared by every client of the fixture, like one browser's localStorage. */
  readonly storage = new MemoryStorage();
  readonly events = new Map<HeraldClient, LoggedEvent[]>();
  private readonly clients: HeraldClient[] = [];
  private readonly blackholes: { server: NetServer; sockets: Set<NetSocket> }[] = [];

  private constructor(readonly herald: FakeHerald, fake: FakeTimersClock) {
    this.fake = fake;
    this.clock = {
      now: () => fake.now,
      setTimeout: (fn, ms) => fake.setTimeout(fn, ms),
      clearTimeout: (handle) => (fake.clearTimeout as (id: unknown) => void).call(fake, handle),
    };
  }

  static async start(options: Omit<FakeHeraldOptions, 'now'> = {}): Promise<ClientFixture> {
    const fake = createClock(T0);
    const herald = await FakeHerald.start({ ...options, now: () => fake.now });
    return new ClientFixture(herald, fake);
  }

  /** Milliseconds of fake time since T0. */
  elapsed(): number {
    return this.fake.now - T0;
  }

  /**
   * Moves the fake clock, firing the timers due on the way. No real time passes during a tick,
   * so an answer that needs I/O (a heartbeat's) cannot arrive in the middle of one: tick up to
   * the event, let the I/O happen (`waitFor`, `nextEvent`), then tick on.
   */
  async tick(ms: number): Promise<void> {
    await this.fake.tickAsync(ms);
  }

  /**
   * Moves the fake clock by `ms` in steps of `step`, letting real I/O happen between steps, so
   * answers (heartbeats, logins) arrive in time: for long simulated spans such as an hour.
   */
  async advance(ms: number, step = 5_000): Promise<void> {
    await advanceInSteps((n) => this.fake.tickAsync(n), ms, step);
  }

  /**
   * Proves a timing rule to the millisecond: ticks to 1 ms before `at`, checks that the fake
   * Herald saw no new `kind` record (after a moment of real time for I/O), ticks onto `at`, and
   * checks that the record arrived stamped `at`.
   */
  async expectRecordAt(kind: RecordKind, at: number): Promise<void> {
    const before = this.herald[kind].length;
    await this.tick(at - this.fake.now - 1);
    await realDelay(20);
    expect(this.herald[kind], `${kind} 1 ms early`).to.have.length(before);
    await this.tick(1);
    await this.herald.waitFor(kind, before + 1);
    expect(this.herald[kind][before]?.at, `time of ${kind} #${before + 1}`).to.equal(at);
  }

  /** A client on the fake clock and the fixture's storage, connecting to the fake Herald's URL. */
  client(options: Partial<HeraldClientOptions> = {}): HeraldClient {
    const client = testClient(this.herald.url, this.clock, this.storage, options);
    this.events.set(client, recordLifecycle(client, this.clock));
    this.clients.push(client);
    return client;
  }

  /** The lifecycle events of `client` named `event`, in order. */
  log(client: HeraldClient, event?: LifecycleName): LoggedEvent[] {
    const log = this.events.get(client) ?? [];
    return event === undefined ? log : log.filter((e) => e.event === event);
  }

  /**
   * A TCP port that accepts connections and never answers: a hanging host. `stamps` holds the
   * fake-clock time of every connection it accepted.
   */
  async blackhole(): Promise<{ url: string; stamps: number[] }> {
    const sockets = new Set<NetSocket>();
    const stamps: number[] = [];
    const server = createServer((socket) => {
      stamps.push(this.fake.now);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.blackholes.push({ server, sockets });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stamps };
  }

  /** Closes everything, then fails if the SDK ever sent a payload Herald would refuse. */
  async cleanup(): Promise<void> {
    for (const client of this.clients) client.close();
    for (const { server, sockets } of this.blackholes) {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.herald.close();
    expect(this.herald.invalid, 'payloads Herald would refuse').to.deep.equal([]);
  }
}
