/**
 * A load-client process: holds thousands of bench connections, runs the runner's commands
 * (connect, log in, count pushes, reconnect storms, close) and reports its counters over IPC.
 * Exits when the runner goes away, so no load process outlives a bench run.
 */
import { Histogram } from '../histogram';
import { BenchConnection, bump, type AttemptOutcome, type LoadCounters, type MeasureState } from './bench-connection';
import { Gate } from './gate';
import type {
  ClientMessage,
  ClientStatus,
  Collected,
  ConnectCommand,
  ConnectResult,
  FleetCommand,
  LoginAllCommand,
  LoginAllResult,
  LoginSpec,
} from './messages';
import { eventPrefix, preciseNow } from './wire';

/** Milliseconds between status messages while counters move. */
const STATUS_INTERVAL_MS = 200;
/** Milliseconds before another try of a connection whose handshake failed. */
const RETRY_DELAY_MS = 50;

const counters: LoadCounters = {
  open: 0,
  loggedIn: 0,
  received: 0,
  reached: 0,
  hung: 0,
  connectErrors: 0,
  loginFailures: 0,
  closes: 0,
  reconnects: 0,
  lastReceiveAt: 0,
  reasons: new Map(),
  version: 0,
};
const measure: MeasureState = { prefix: undefined, latency: false, round: 0, latencies: new Histogram(), serverLatencies: new Histogram() };
const connections: BenchConnection[] = [];
const gate = new Gate(100);
let target: { url: string; login: LoginSpec | null; handshakeTimeoutMs: number; attempts: number } | undefined;
let reconnect = false;
let heartbeat: NodeJS.Timeout | undefined;

function status(): ClientStatus {
  return {
    open: counters.open,
    loggedIn: counters.loggedIn,
    received: counters.received,
    reached: counters.reached,
    hung: counters.hung,
    connectErrors: counters.connectErrors,
    loginFailures: counters.loginFailures,
    closes: counters.closes,
    reconnects: counters.reconnects,
    lastReceiveAt: counters.lastReceiveAt,
    reasons: Object.fromEntries(counters.reasons),
  };
}

function send(message: ClientMessage): void {
  // With a callback, a channel closing under us is an error passed here instead of a crash.
  if (process.connected) process.send?.(message, undefined, {}, () => undefined);
}

let sentVersion = -1;
const statusTimer = setInterval(() => {
  if (counters.version === sentVersion) return;
  sentVersion = counters.version;
  send({ type: 'status', status: status() });
}, STATUS_INTERVAL_MS);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tries one connection up to `attempts` times, through the gate; true when it is up (and logged in when asked). */
async function establish(connection: BenchConnection, attempts: number, deadline: number): Promise<boolean> {
  const options = target;
  if (options === undefined) return false;
  for (let attempt = 0; attempt < attempts && Date.now() < deadline; attempt++) {
    await gate.acquire();
    // The deadline may have passed while this connection waited for its turn.
    if (Date.now() >= deadline) {
      gate.release();
      break;
    }
    let outcome: AttemptOutcome;
    try {
      outcome = await connection.attempt({ url: options.url, login: options.login, handshakeTimeoutMs: options.handshakeTimeoutMs });
    } finally {
      gate.release();
    }
    if (outcome === 'ok') return true;
    connection.close();
    await sleep(RETRY_DELAY_MS);
  }
  return false;
}

function onUnexpectedClose(connection: BenchConnection): void {
  if (!reconnect || target === undefined) return;
  counters.reconnects++;
  counters.version++;
  void establish(connection, target.attempts, Date.now() + 120_000).then((ok) => {
    if (!ok) bump(counters, 'reconnect-gave-up');
  });
}

async function connect(command: ConnectCommand): Promise<ConnectResult> {
  const started = Date.now();
  const deadline = started + command.deadlineMs;
  target = { url: command.url, login: command.login, handshakeTimeoutMs: command.handshakeTimeoutMs, attempts: command.attempts };
  gate.limit = command.concurrency;
  gate.drain();
  startHeartbeat(command.heartbeatMs);
  const batch: BenchConnection[] = [];
  for (let i = 0; i < command.count; i++) {
    const index = command.first + i;
    const address = command.addresses[index % command.addresses.length] ?? '127.0.0.1';
    const connection = new BenchConnection(`${command.uidPrefix}${index}`, address, counters, measure);
    connection.onUnexpectedClose = onUnexpectedClose;
    connections.push(connection);
    batch.push(connection);
  }
  const outcomes = await Promise.all(batch.map((c) => establish(c, command.attempts, deadline)));
  const ok = outcomes.filter(Boolean).length;
  return { ok, failed: outcomes.length - ok, ms: Date.now() - started };
}

async function loginAll(command: LoginAllCommand): Promise<LoginAllResult> {
  const started = Date.now();
  const deadline = started + command.deadlineMs;
  const loginGate = new Gate(command.concurrency);
  const latency = new Histogram();
  let ok = 0;
  let failed = 0;
  if (target !== undefined) target.login = command.login;
  await Promise.all(
    connections
      .filter((c) => c.connected && !c.loggedIn)
      .map(async (connection) => {
        await loginGate.acquire();
        try {
          if (Date.now() > deadline) {
            failed++;
            return;
          }
          const t0 = preciseNow();
          const success = await connection.login(command.login, Math.max(1, deadline - Date.now()));
          latency.record(preciseNow() - t0);
          if (success) ok++;
          else failed++;
        } finally {
          loginGate.release();
        }
      }),
  );
  return { ok, failed, ms: Date.now() - started, latency: latency.toData() };
}

/** Every logged-in connection sends `heartbeat` once per `periodMs`, spread over the period. */
function startHeartbeat(periodMs: number): void {
  if (heartbeat !== undefined) clearInterval(heartbeat);
  const slices = 10;
  let slice = 0;
  heartbeat = setInterval(() => {
    for (let i = slice; i < connections.length; i += slices) {
      const connection = connections[i] as BenchConnection;
      if (connection.loggedIn) connection.send('heartbeat', {});
    }
    slice = (slice + 1) % slices;
  }, Math.max(100, Math.floor(periodMs / slices)));
  heartbeat.unref();
}

function closeAll(): void {
  reconnect = false;
  for (const connection of connections.splice(0)) connection.close();
}

async function run(command: FleetCommand): Promise<unknown> {
  switch (command.type) {
    case 'connect':
      return connect(command);
    case 'login-all':
      return loginAll(command);
    case 'policy':
      reconnect = command.reconnect;
      gate.limit = command.concurrency;
      gate.drain();
      return {};
    case 'measure':
      measure.prefix = eventPrefix(command.event);
      measure.latency = command.mode === 'latency';
      measure.round++;
      measure.latencies.reset();
      measure.serverLatencies.reset();
      counters.received = 0;
      counters.reached = 0;
      counters.lastReceiveAt = 0;
      counters.version++;
      return {};
    case 'mark':
      counters.closes = 0;
      counters.reconnects = 0;
      counters.hung = 0;
      counters.connectErrors = 0;
      counters.loginFailures = 0;
      counters.reasons.clear();
      counters.version++;
      return {};
    case 'collect': {
      const collected: Collected = { status: status(), latency: measure.latencies.toData(), serverLatency: measure.serverLatencies.toData() };
      return collected;
    }
    case 'close-all':
      closeAll();
      return {};
  }
}

process.on('message', (command: FleetCommand) => {
  run(command).then(
    (result) => send({ type: 'reply', id: command.id, ok: true, result }),
    (err: unknown) => send({ type: 'reply', id: command.id, ok: false, error: (err as Error)?.stack ?? String(err) }),
  );
});

// The runner is gone (finished, crashed or killed): drop everything and leave.
process.on('disconnect', () => {
  clearInterval(statusTimer);
  closeAll();
  process.exit(0);
});
process.on('SIGINT', () => undefined);
