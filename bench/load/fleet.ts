/**
 * The runner's side of the load clients: forks a few load-client processes, splits connections
 * between them, sends commands and sums what they report.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Histogram } from '../histogram';
import type {
  ClientMessage,
  ClientStatus,
  Collected,
  ConnectCommand,
  ConnectResult,
  FleetCommand,
  LoginAllResult,
  LoginSpec,
} from './messages';

export interface FleetOptions {
  /** Load-client processes. @default 2 */
  processes: number;
  /** Source addresses, round-robin over connections. */
  addresses: string[];
  /** Milliseconds a command may take beyond its own deadline before the fleet gives up on it. */
  replyGraceMs: number;
}

export const DEFAULT_FLEET_OPTIONS: FleetOptions = {
  processes: 2,
  addresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'],
  replyGraceMs: 10_000,
};

export interface ConnectOptions {
  url: string;
  count: number;
  uidPrefix: string;
  login: LoginSpec | null;
  /** Handshakes in flight per process. */
  concurrency: number;
  handshakeTimeoutMs: number;
  attempts: number;
  deadlineMs: number;
  heartbeatMs: number;
}

/** A command as callers write it; the fleet adds the id. */
type WithoutId<C> = C extends FleetCommand ? Omit<C, 'id'> : never;
type CommandBody = WithoutId<FleetCommand>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

class LoadProcess {
  status: ClientStatus = emptyStatus();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    child.on('message', (message: ClientMessage) => {
      if (message.type === 'status') {
        this.status = message.status;
        return;
      }
      const pending = this.pending.get(message.id);
      if (pending === undefined) return;
      this.pending.delete(message.id);
      clearTimeout(pending.timer);
      if (message.ok) pending.resolve(message.result);
      else pending.reject(new Error(`load client ${child.pid}: ${message.error ?? 'failed'}`));
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        for (const [id, pending] of this.pending) {
          this.pending.delete(id);
          clearTimeout(pending.timer);
          pending.reject(new Error(`load client ${child.pid} exited (${signal ?? code})`));
        }
        resolve();
      });
    });
  }

  request<T>(body: CommandBody, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    if (!this.child.connected) return Promise.reject(new Error(`load client ${this.child.pid} is gone`));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`load client ${this.child.pid}: no answer to ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ ...body, id } as FleetCommand, (err: Error | null) => {
        if (err === null || !this.pending.has(id)) return;
        this.pending.delete(id);
        clearTimeout(timer);
        reject(err);
      });
    });
  }
}

export function emptyStatus(): ClientStatus {
  return { open: 0, loggedIn: 0, received: 0, reached: 0, hung: 0, connectErrors: 0, loginFailures: 0, closes: 0, reconnects: 0, lastReceiveAt: 0, reasons: {} };
}

export class Fleet {
  private readonly processes: LoadProcess[] = [];
  private readonly options: FleetOptions;
  private connected = 0;
  private stopping: Promise<void> | undefined;

  constructor(options: Partial<FleetOptions> = {}) {
    this.options = { ...DEFAULT_FLEET_OPTIONS, ...options };
  }

  start(): this {
    const entry = join(__dirname, 'load-client.js');
    for (let i = 0; i < this.options.processes; i++) {
      const child = fork(entry, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [], serialization: 'json' });
      this.processes.push(new LoadProcess(child));
    }
    return this;
  }

  get pids(): number[] {
    return this.processes.map((p) => p.child.pid ?? 0);
  }

  /** Adds `count` connections, spread evenly over the processes; resolves when each is up or given up. */
  async connect(options: ConnectOptions): Promise<ConnectResult> {
    const shares = split(options.count, this.processes.length);
    let first = this.connected;
    this.connected += options.count;
    const started = Date.now();
    const results = await Promise.all(
      this.processes.map((p, i) => {
        const count = shares[i] ?? 0;
        const command: Omit<ConnectCommand, 'id'> = { type: 'connect', ...options, first, count, addresses: this.options.addresses };
        first += count;
        return p.request<ConnectResult>(command, options.deadlineMs + this.options.replyGraceMs);
      }),
    );
    return { ok: sum(results.map((r) => r.ok)), failed: sum(results.map((r) => r.failed)), ms: Date.now() - started };
  }

  /** Logs in every connected, anonymous connection. */
  async loginAll(login: LoginSpec, concurrency: number, deadlineMs: number): Promise<LoginAllResult & { histogram: Histogram }> {
    const started = Date.now();
    const results = await Promise.all(
      this.processes.map((p) => p.request<LoginAllResult>({ type: 'login-all', login, concurrency, deadlineMs }, deadlineMs + this.options.replyGraceMs)),
    );
    const histogram = new Histogram();
    for (const r of results) histogram.merge(r.latency);
    return {
      ok: sum(results.map((r) => r.ok)),
      failed: sum(results.map((r) => r.failed)),
      ms: Date.now() - started,
      latency: histogram.toData(),
      histogram,
    };
  }

  async policy(reconnect: boolean, concurrency: number): Promise<void> {
    await this.all({ type: 'policy', reconnect, concurrency });
  }

  /** Starts counting `event` from zero in every process. */
  async measure(event: string, mode: 'count' | 'latency'): Promise<void> {
    await this.all({ type: 'measure', event, mode });
    for (const p of this.processes) {
      p.status = { ...p.status, received: 0, reached: 0, lastReceiveAt: 0 };
    }
  }

  async mark(): Promise<void> {
    await this.all({ type: 'mark' });
    for (const p of this.processes) {
      p.status = { ...p.status, closes: 0, reconnects: 0, hung: 0, connectErrors: 0, loginFailures: 0, reasons: {} };
    }
  }

  /** Exact counters and merged latency histograms, asked from every process now. */
  async collect(): Promise<{ status: ClientStatus; latency: Histogram; serverLatency: Histogram }> {
    const results = await Promise.all(this.processes.map((p) => p.request<Collected>({ type: 'collect' }, 10_000)));
    // The exact counts also refresh what status() answers until the next periodic report.
    results.forEach((r, i) => {
      const p = this.processes[i];
      if (p !== undefined) p.status = r.status;
    });
    const latency = new Histogram();
    const serverLatency = new Histogram();
    for (const r of results) {
      latency.merge(r.latency);
      serverLatency.merge(r.serverLatency);
    }
    return { status: addStatuses(results.map((r) => r.status)), latency, serverLatency };
  }

  /** The sum of the latest statuses the processes sent (at most ~200 ms old). */
  status(): ClientStatus {
    return addStatuses(this.processes.map((p) => p.status));
  }

  /** Polls the summed status until `done` holds or `timeoutMs` passes; returns whether it held. */
  async waitFor(done: (s: ClientStatus) => boolean, timeoutMs: number, onTick?: (s: ClientStatus) => void, intervalMs = 50): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.status();
      onTick?.(s);
      if (done(s)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** Closes every connection (the server sees them go). */
  async closeAll(): Promise<void> {
    await this.all({ type: 'close-all' }).catch(() => undefined);
    this.connected = 0;
  }

  /** Closes every connection and ends the processes; idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    await this.closeAll();
    for (const p of this.processes) {
      if (p.child.connected) p.child.disconnect();
    }
    const timer = setTimeout(() => {
      for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }, 5000);
    await Promise.all(this.processes.map((p) => p.exited));
    clearTimeout(timer);
    this.processes.length = 0;
  }

  private async all(body: CommandBody): Promise<void> {
    await Promise.all(this.processes.map((p) => p.request(body, 10_000)));
  }
}

function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function addStatuses(statuses: ClientStatus[]): ClientStatus {
  const total = emptyStatus();
  for (const s of statuses) {
    total.open += s.open;
    total.loggedIn += s.loggedIn;
    total.received += s.received;
    total.reached += s.reached;
    total.hung += s.hung;
    total.connectErrors += s.connectErrors;
    total.loginFailures += s.loginFailures;
    total.closes += s.closes;
    total.reconnects += s.reconnects;
    total.lastReceiveAt = Math.max(total.lastReceiveAt, s.lastReceiveAt);
    for (const [reason, n] of Object.entries(s.reasons)) total.reasons[reason] = (total.reasons[reason] ?? 0) + n;
  }
  return total;
}
