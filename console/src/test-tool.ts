/**
 * The test tool at /console: Herald's own "online WebSocket test page". It drives the SDK bundle
 * Herald serves (/sdk/herald.js): connect to an endpoint or a Socket.IO URL over websocket or
 * long-polling, log in with a token or a ukey, subscribe to topics, send `heartbeat` or any event
 * with a JSON body, and watch a timestamped log of every packet in and out (wire-tap.ts) next to
 * the SDK's lifecycle events and state. Everything is written as text (dom.ts).
 */
import { HeraldClient, type ClientState, type Credentials, type HeraldClientOptions } from 'herald-sdk';
import { byId, el, replace, setText } from './dom';
import { clockTime, json, seconds } from './format';
import { currentSocket, heartbeatView } from './sdk-internals';
import { PacketType, tappedParser, type Packet, type WireDirection } from './wire-tap';

/** Log lines kept; older ones are dropped. */
const MAX_LOG_LINES = 1000;
/** Milliseconds a raw event waits for its answer before the log says so. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Server events that are part of the protocol, not pushes. */
const PROTOCOL_EVENTS = new Set(['kick', 'rejected', 'login']);

type LogSource = WireDirection | 'sdk' | 'page';

interface SentEvent {
  event: string;
  at: number;
}

let client: HeraldClient | null = null;
/** Events sent with an ack id on the current connection, to name their answers. */
let sent = new Map<number, SentEvent>();
let lastSeq: number | null = null;
let lastAck: number | null = null;
let lastHeartbeatSent: number | null = null;
let reconnect: { attempt: number; due: number } | { failed: number } | null = null;
let connectedTransport = '';

const ARROWS: Record<LogSource, string> = { in: '←', out: '→', sdk: '•', page: '·' };

function log(source: LogSource, event: string, text: string): void {
  const list = byId<HTMLOListElement>('log');
  const item = el(
    'li',
    { 'data-dir': source, 'data-event': event },
    el('time', {}, clockTime(Date.now())),
    el('span', { class: 'dir' }, ARROWS[source]),
    el('span', { class: 'event' }, event),
    el('span', { class: 'text' }, text),
  );
  list.append(item);
  while (list.childElementCount > MAX_LOG_LINES) list.firstElementChild?.remove();
  if (!byId<HTMLInputElement>('log-follow').checked) return;
  item.scrollIntoView({ block: 'nearest' });
}

/** A login payload with its credential replaced by its length: the log never shows secrets. */
function redactLogin(payload: unknown): unknown {
  if (typeof payload !== 'object' || payload === null) return payload;
  const copy: Record<string, unknown> = { ...(payload as Record<string, unknown>) };
  for (const field of ['token', 'ukey']) {
    if (typeof copy[field] === 'string') copy[field] = `‹${(copy[field] as string).length} characters›`;
  }
  return copy;
}

/** One wire packet as a log line; the state panel follows. */
function onPacket(direction: WireDirection, packet: Packet): void {
  logPacket(direction, packet);
  showState();
}

function logPacket(direction: WireDirection, packet: Packet): void {
  const now = Date.now();
  switch (packet.type) {
    case PacketType.CONNECT:
      if (direction === 'out') log('out', 'connect', `namespace ${packet.nsp}`);
      else log('in', 'connect', `namespace ${packet.nsp}, socket id ${json((packet.data as { sid?: unknown } | undefined)?.sid)}`);
      return;
    case PacketType.CONNECT_ERROR:
      log(direction, 'connect_error', json(packet.data));
      return;
    case PacketType.DISCONNECT:
      log(direction, 'disconnect', `namespace ${packet.nsp}`);
      return;
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT: {
      const [event, ...args] = Array.isArray(packet.data) ? (packet.data as unknown[]) : [String(packet.data)];
      const name = String(event);
      const shown = name === 'login' && direction === 'out' ? args.map(redactLogin) : args;
      const id = packet.id !== undefined ? ` #${packet.id}` : '';
      log(direction, name, `${shown.map(json).join(' ')}${id}`);
      if (direction === 'out') {
        if (packet.id !== undefined) sent.set(packet.id, { event: name, at: now });
        if (name === 'heartbeat') lastHeartbeatSent = now;
        const seq = (args[0] as { seq?: unknown } | undefined)?.seq;
        if (name === 'ack' && typeof seq === 'number') lastAck = seq;
      } else if (!PROTOCOL_EVENTS.has(name)) {
        const seq = (args[0] as { seq?: unknown } | undefined)?.seq;
        if (typeof seq === 'number' && (lastSeq === null || seq > lastSeq)) lastSeq = seq;
      }
      return;
    }
    case PacketType.ACK:
    case PacketType.BINARY_ACK: {
      const request = packet.id !== undefined ? sent.get(packet.id) : undefined;
      if (packet.id !== undefined) sent.delete(packet.id);
      const answer = Array.isArray(packet.data) ? (packet.data as unknown[]).map(json).join(' ') : json(packet.data);
      const label = request !== undefined ? `${request.event} answer` : 'answer';
      const timing = request !== undefined ? ` after ${now - request.at} ms` : '';
      log(direction, label, `#${packet.id ?? '?'}${timing}: ${answer}`);
      return;
    }
  }
}

function formValue(id: string): string {
  return byId<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(id).value.trim();
}

function credentials(): Credentials | null {
  const value = formValue('credential');
  if (value === '') return null;
  return formValue('credential-kind') === 'ukey' ? { ukey: value } : { token: value };
}

function connect(): void {
  client?.close();
  const address = formValue('address');
  if (address === '') {
    log('page', 'error', 'give an endpoint or a Socket.IO URL');
    return;
  }
  let target: string;
  try {
    target = new URL(address, location.href).href;
  } catch {
    log('page', 'error', `not a URL: ${address}`);
    return;
  }
  const byUrl = formValue('address-kind') === 'url';
  const transport = formValue('transport');
  const options: HeraldClientOptions = {
    ...(byUrl ? { url: target } : { endpoint: target }),
    credentials: credentials(),
    autoConnect: false,
    socketOptions: { parser: tappedParser(onPacket) },
  };
  if (transport === 'websocket' || transport === 'polling') options.transports = [transport];
  const c = new HeraldClient(options);
  client = c;
  sent = new Map();
  reconnect = null;
  lastSeq = null;
  lastAck = null;
  const mine =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      if (client === c) fn(...args);
      showState();
    };
  c.on('connected', mine((info) => {
    sent = new Map();
    reconnect = null;
    connectedTransport = info.transport;
    log('sdk', 'connected', `${info.url} over ${info.transport}`);
    currentSocket(c)?.io.engine?.on('upgrade', (next: { name: string }) => {
      connectedTransport = next.name;
      log('sdk', 'upgrade', `transport upgraded to ${next.name}`);
      showState();
    });
  }));
  c.on('loggedIn', mine((user) => log('sdk', 'loggedIn', `uid ${user.uid}, platform ${user.platform}, device ${user.device ?? '-'}, heartbeat every ${user.heartbeatInterval} s, idle kick after ${user.idleTimeout} s`)));
  c.on('loginFailed', mine((e) => log('sdk', 'loginFailed', `${e.code}: ${e.message}; next try in ${seconds(e.retryIn)}`)));
  c.on('loggedOut', mine(() => log('sdk', 'loggedOut', 'the connection stays up, anonymous')));
  c.on('reconnecting', mine((r) => {
    reconnect = { attempt: r.attempt, due: Date.now() + r.delay };
    log('sdk', 'reconnecting', `attempt ${r.attempt} in ${seconds(r.delay)}`);
  }));
  c.on('failed', mine((f) => {
    reconnect = { failed: f.attempts };
    log('sdk', 'failed', `gave up after ${f.attempts} attempts: ${f.error.code} ${f.error.message}`);
  }));
  c.on('kicked', mine((k) => log('sdk', 'kicked', `${k.reason}${k.reconnect ? ', will reconnect' : ', will not reconnect'}${k.message !== undefined ? `: ${k.message}` : ''}`)));
  c.on('disconnected', mine((d) => {
    connectedTransport = '';
    log('sdk', 'disconnected', `${d.reason}${d.willReconnect ? ', will reconnect' : ''}`);
  }));
  c.on('subscribeFailed', mine((topic, error) => log('sdk', 'subscribeFailed', `${topic}: ${error.code} ${error.message}`)));
  c.on('rejected', mine((r) => log('sdk', 'rejected', `${r.event}: ${r.error.code} ${r.error.message}`)));
  c.on('error', mine((e) => log('sdk', 'error', `${e.code}: ${e.message}`)));
  log('page', 'connecting', `${byUrl ? 'Socket.IO URL' : 'endpoint'} ${target}${options.transports ? `, ${transport} only` : ''}`);
  c.connect();
  showState();
}

function disconnect(): void {
  if (client === null) return;
  client.close();
  log('page', 'closed', 'the page closed the client');
  showState();
}

async function login(): Promise<void> {
  const given = credentials();
  if (given === null) {
    log('page', 'error', 'give a token or a ukey');
    return;
  }
  if (client === null || client.state === 'closed' || client.state === 'failed') {
    connect();
    return;
  }
  log('page', 'login', `logging in with a ${given.token !== undefined ? 'token' : 'ukey'}`);
  await client.login(given);
}

async function topic(action: 'subscribe' | 'unsubscribe'): Promise<void> {
  const name = formValue('topic');
  if (client === null || name === '') {
    log('page', 'error', client === null ? 'connect first' : 'give a topic');
    return;
  }
  const answer = action === 'subscribe' ? await client.subscribe(name) : await client.unsubscribe(name);
  if (!answer.ok) log('page', action, `${name}: ${answer.error.code} ${answer.error.message}`);
  showState();
}

/** Sends any event on the SDK's connection; the wire log shows it and its answer. */
function send(event: string, bodyText: string): void {
  const socket = client !== null ? currentSocket(client) : null;
  if (socket === null || !socket.connected) {
    log('page', 'error', 'not connected');
    return;
  }
  let body: unknown;
  try {
    body = bodyText === '' ? {} : JSON.parse(bodyText);
  } catch (error) {
    log('page', 'error', `the body is not JSON: ${(error as Error).message}`);
    return;
  }
  socket.timeout(ANSWER_TIMEOUT_MS).emit(event, body, (error: Error | null) => {
    if (error !== null) log('page', 'timeout', `no answer to ${event} within ${seconds(ANSWER_TIMEOUT_MS)}`);
  });
}

/** The SDK's state, as the panel shows it. */
function showState(): void {
  const c = client;
  const state: ClientState | 'none' = c?.state ?? 'none';
  document.body.dataset.state = state;
  setText('state', state);
  setText('state-user', c?.user ? `${c.user.uid} (${c.user.platform}, device ${c.user.device ?? '-'})` : 'not logged in');
  const socket = c !== null ? currentSocket(c) : null;
  setText('state-transport', state === 'connected' ? socket?.io.engine?.transport?.name ?? connectedTransport : '-');
  setText('state-url', c?.url ?? '-');
  setText('state-device', c?.deviceId ?? '-');
  setText('state-reconnect', describeReconnect());
  setText('state-heartbeat', describeHeartbeat());
  setText('state-seq', lastSeq === null ? '-' : `${lastSeq}${lastAck !== null ? ` (acked up to ${lastAck})` : ''}`);
  setText('state-topics', c !== null && c.subscriptions.length > 0 ? c.subscriptions.join(', ') : '-');
  if (c !== null) {
    const p = c.policy;
    setText('state-policy', `reconnect after ${p.reconnect.delays.join('/')} s; heartbeat answer within ${p.heartbeat.timeout} s (${p.heartbeat.retries} retry); login retry every ${p.login.retryInterval} s`);
  }
  byId<HTMLButtonElement>('disconnect').disabled = c === null || state === 'closed';
  byId<HTMLButtonElement>('reconnect-now').disabled = c === null || !['reconnecting', 'failed', 'closed'].includes(state);
}

function describeReconnect(): string {
  if (reconnect === null) return '-';
  if ('failed' in reconnect) return `gave up after ${reconnect.failed} attempts (Connect tries again)`;
  const left = reconnect.due - Date.now();
  return left > 0 ? `attempt ${reconnect.attempt} in ${seconds(left)}` : `attempt ${reconnect.attempt} running`;
}

function describeHeartbeat(): string {
  const c = client;
  if (c === null || c.state !== 'connected') return '-';
  const beat = heartbeatView(c);
  if (beat === null) return 'unknown (this SDK build hides its timers)';
  if (!beat.running) return 'off';
  const silence = Date.now() - beat.lastActivity;
  const sentAt = lastHeartbeatSent !== null ? `; last sent ${clockTime(lastHeartbeatSent)}` : '';
  if (beat.unanswered > 0) return `waiting for an answer (${beat.unanswered} unanswered, ${seconds(beat.timeout)} each)${sentAt}`;
  return `silent for ${seconds(silence)}; next heartbeat in ${seconds(beat.interval - silence)} (after ${seconds(beat.interval)} of silence)${sentAt}`;
}

function on(id: string, event: string, handler: (event: Event) => void): void {
  byId(id).addEventListener(event, handler);
}

function start(): void {
  byId<HTMLInputElement>('address').value = new URL('/api/v1/endpoint', location.href).href;
  on('connect-form', 'submit', (event) => {
    event.preventDefault();
    connect();
  });
  on('disconnect', 'click', disconnect);
  on('reconnect-now', 'click', () => {
    if (client === null) return;
    log('page', 'connect', 'reconnecting now: the SDK runs its next attempt at once');
    client.connect();
    showState();
  });
  on('login-form', 'submit', (event) => {
    event.preventDefault();
    void login();
  });
  on('logout', 'click', () => {
    if (client === null) return;
    log('page', 'logout', 'logging out');
    void client.logout().then(showState);
  });
  on('topic-form', 'submit', (event) => {
    event.preventDefault();
    void topic('subscribe');
  });
  on('unsubscribe', 'click', () => void topic('unsubscribe'));
  on('send-form', 'submit', (event) => {
    event.preventDefault();
    send(formValue('event'), formValue('body'));
  });
  on('send-heartbeat', 'click', () => send('heartbeat', '{}'));
  on('clear-log', 'click', () => replace(byId('log')));
  setInterval(showState, 500);
  showState();
}

start();
