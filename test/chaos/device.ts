/**
 * One device of a user: the real SDK (Node entry), logging in with its credential and device id,
 * acking as the SDK does (its own rule, whatever it is at this commit). What it records:
 * - on the wire (before the SDK): every push per connection, for duplicates, and the order of
 *   durable ones (an ephemeral push has no seq to order by);
 * - in its push handler (after the SDK): which logical pushes the app saw, and how often.
 */
import { HeraldClient, MemoryStorage, type HeraldClientOptions } from '../../client/src';
import { PacketType, tappedParser, type WirePacket } from './wire-tap';

export interface ChaosPushData {
  /** The run's id: pushes of another run are ignored. */
  run: string;
  /** The logical push number, the same across retries. */
  n: number;
}

/** Short timings so a run takes seconds (the SDK defaults are minutes). */
export const CHAOS_CLIENT_POLICY: NonNullable<HeraldClientOptions['policy']> = {
  // 0.2 s, 0.5 s, then every second for a minute; `failed` after that restarts from the top.
  reconnect: { delays: [0.2, 0.5, ...Array.from({ length: 60 }, () => 1)], jitter: 0.2 },
  heartbeat: { interval: 2, timeout: 2, retries: 1 },
  login: { retryInterval: 0.5 },
  connectTimeout: 10,
};

export interface OutOfOrder {
  device: string;
  connection: number;
  seq: number;
  after: number;
}

export class ChaosDevice {
  readonly client: HeraldClient;
  /** Logical push → times the app handler saw it. */
  readonly handled = new Map<number, number>();
  /** Pushes of this run that arrived on the wire (duplicates included). */
  wireArrivals = 0;
  /** Logical push → wire arrivals. */
  readonly wireSeen = new Map<number, number>();
  /** Wire arrivals of a seq not sent before on this connection after a higher one (something was skipped). */
  readonly outOfOrder: OutOfOrder[] = [];
  connections = 0;
  logins = 0;
  loginFailures = 0;
  errors = 0;
  private highestThisConnection = 0;
  /** Seqs received on this connection: a seq sent again (a second login's replay, a resync) is a duplicate, not out of order. */
  private readonly seenThisConnection = new Set<number>();

  constructor(
    readonly uid: string,
    readonly device: string,
    url: string,
    credential: string,
    private readonly run: string,
  ) {
    this.client = new HeraldClient({
      url,
      transports: ['websocket'],
      credentials: { token: credential },
      device,
      storage: new MemoryStorage(),
      autoConnect: false,
      policy: CHAOS_CLIENT_POLICY,
      // Given explicitly: without it a jitter > 0 throws "random is not a function" (the SDK's
      // ReconnectPolicy spreads `random: undefined` over its Math.random default).
      random: Math.random,
      reloadReconnectWindow: 1000,
      socketOptions: { parser: tappedParser((packet) => this.onWire(packet)) },
    });
    this.client.on('message', (data: unknown) => this.onHandled(data));
    this.client.on('loggedIn', () => this.logins++);
    this.client.on('loginFailed', () => this.loginFailures++);
    this.client.on('error', () => this.errors++);
    // An app whose client gave up starts it again.
    this.client.on('failed', () => this.client.connect());
  }

  connect(): void {
    this.client.connect();
  }

  /** Drops the connection and opens a new one (an app restart), with the same device id. */
  restart(): void {
    this.client.close();
    this.client.connect();
  }

  close(): void {
    this.client.close();
  }

  get loggedIn(): boolean {
    return this.client.user !== null;
  }

  private onWire(packet: WirePacket): void {
    if (packet.type === PacketType.CONNECT) {
      this.connections++;
      this.highestThisConnection = 0;
      this.seenThisConnection.clear();
      return;
    }
    if (packet.type !== PacketType.EVENT || !Array.isArray(packet.data)) return;
    const payload = packet.data[1] as { seq?: unknown; data?: Partial<ChaosPushData> } | undefined;
    if (payload?.data?.run !== this.run || typeof payload.data.n !== 'number') return;
    this.wireArrivals++;
    this.wireSeen.set(payload.data.n, (this.wireSeen.get(payload.data.n) ?? 0) + 1);
    if (typeof payload.seq !== 'number') return;
    const firstTime = !this.seenThisConnection.has(payload.seq);
    this.seenThisConnection.add(payload.seq);
    // Out of order: a seq this connection had not been sent arrives after a higher one, so it was
    // skipped when the higher one went out.
    if (firstTime && payload.seq < this.highestThisConnection) {
      this.outOfOrder.push({ device: this.device, connection: this.connections, seq: payload.seq, after: this.highestThisConnection });
    } else if (payload.seq > this.highestThisConnection) {
      this.highestThisConnection = payload.seq;
    }
  }

  private onHandled(data: unknown): void {
    const push = data as Partial<ChaosPushData> | null;
    if (push?.run !== this.run || typeof push.n !== 'number') return;
    this.handled.set(push.n, (this.handled.get(push.n) ?? 0) + 1);
  }
}
