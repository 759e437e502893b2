/**
 * The test tool at /console: Herald's own "online WebSocket test page". It drives the SDK bundle
 * Herald serves (/sdk/herald.js): connect to an endpoint or a Socket.IO URL over websocket or
 * long-polling, log in with a token or a ukey, subscribe to topics, send `heartbeat` or any event
 * with a JSON body, and watch a timestamped log of every packet in and out (wire-tap.ts) next to
 * the SDK's lifecycle events and its state (`client.inspect()`). Everything is written as text
 * (dom.ts).
 */
import { HeraldClient, type ClientSnapshot, type Credentials, type HeraldClientOptions } from 'herald-sdk';
import { byId, el, replace, setText } from './dom';
import { clockTime, count, json, seconds } from './format';
import { PacketType, tappedParser, type Packet, type WireDirection } from './wire-tap';

/** Log lines kept; older ones are dropped. */
const MAX_LOG_LINES = 1000;
/** Milliseconds a raw event waits for its answer before the log says so. */
const ANSWER_TIMEOUT_MS = 10_000;

type LogSource = WireDirection | 'sdk' | 'page';

interface SentEvent {
  event: string;
  at: number;
}

let client: HeraldClient | null = null;
/** Events sent with an ack id on the current connection, to name their answers. */
let sent = new Map<number, SentEvent>();
let lastHeartbeatSent: number | null = null;
/** The transport the log last named, to log an upgrade (polling → websocket) once. */
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
    if (typeof copy[field] === 'string') copy[field] = `‹${count((copy[field] as string).length, 'character')}›`;
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
  connectedTransport = '';
  const mine =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      if (client === c) fn(...args);
      showState();
    };
  c.on('connected', mine((info) => {
    sent = new Map();
    connectedTransport = info.transport;
    log('sdk', 'connected', `${info.url} over ${info.transport}`);
  }));
  c.on('loggedIn', mine((user) => log('sdk', 'loggedIn', `uid ${user.uid}, platform ${user.platform}, device ${user.device ?? '-'}, heartbeat every ${user.heartbeatInterval} s, idle kick after ${user.idleTimeout} s`)));
  c.on('loginFailed', mine((e) => log('sdk', 'loginFailed', `${e.code}: ${e.message}; next try in ${seconds(e.retryIn)}`)));
  c.on('loggedOut', mine(() => log('sdk', 'loggedOut', 'the connection stays up, anonymous')));
  c.on('reconnecting', mine((r) => log('sdk', 'reconnecting', `attempt ${r.attempt} in ${seconds(r.delay)}`)));
  c.on('failed', mine((f) => log('sdk', 'failed', `gave up after ${count(f.attempts, 'attempt')}: ${f.error.code} ${f.error.message}`)));
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

/** Sends any event on the SDK's connection (`emitRaw`); the wire log shows it and its answer. */
async function send(event: string, bodyText: string): Promise<void> {
  if (client === null || client.state !== 'connected') {
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
  const answer = await client.emitRaw(event, body, ANSWER_TIMEOUT_MS);
  if (answer.ok) return;
  const why = answer.error.code === 'TIMEOUT' ? `within ${seconds(ANSWER_TIMEOUT_MS)}` : `(${answer.error.message})`;
  log('page', 'timeout', `no answer to ${event} ${why}`);
}

/** The SDK's state (`inspect()`), as the panel shows it. */
function showState(): void {
  const snap = client?.inspect() ?? null;
  const state = snap?.state ?? 'none';
  document.body.dataset.state = state;
  setText('state', state);
  const user = snap?.user ?? null;
  setText('state-user', user !== null ? `${user.uid} (${user.platform}, device ${user.device ?? '-'})` : 'not logged in');
  if (snap !== null) noteUpgrade(snap);
  setText('state-transport', state === 'connected' ? snap?.transport ?? connectedTransport : '-');
  setText('state-url', snap?.url ?? '-');
  setText('state-device', snap?.deviceId ?? '-');
  setText('state-reconnect', snap !== null ? describeReconnect(snap) : '-');
  setText('state-heartbeat', snap !== null ? describeHeartbeat(snap) : '-');
  const durable = snap?.durable;
  setText('state-seq', durable === undefined || durable.lastSeq === null ? '-' : `${durable.lastSeq}${durable.ackedSeq !== null ? ` (acked up to ${durable.ackedSeq})` : ''}`);
  setText('state-topics', snap !== null && snap.subscriptions.length > 0 ? snap.subscriptions.join(', ') : '-');
  if (snap !== null) {
    const p = snap.policy;
    setText('state-policy', `reconnect after ${p.reconnect.delays.join('/')} s; heartbeat answer within ${p.heartbeat.timeout} s (${count(p.heartbeat.retries, 'retry', 'retries')}); login retry every ${p.login.retryInterval} s`);
  }
  byId<HTMLButtonElement>('disconnect').disabled = snap === null || state === 'closed';
  byId<HTMLButtonElement>('reconnect-now').disabled = snap === null || !['reconnecting', 'failed', 'closed'].includes(state);
}

/** Logs a transport upgrade (long-polling → websocket) the first time the state shows it. */
function noteUpgrade(snap: ClientSnapshot): void {
  if (snap.state !== 'connected' || snap.transport === null || connectedTransport === '' || snap.transport === connectedTransport) return;
  connectedTransport = snap.transport;
  log('sdk', 'upgrade', `transport upgraded to ${snap.transport}`);
}

function describeReconnect(snap: ClientSnapshot): string {
  const { attempts, next } = snap.reconnect;
  if (snap.state === 'failed') return `gave up after ${count(attempts, 'attempt')} (Connect tries again)`;
  if (next === null) return '-';
  const left = next.at - Date.now();
  return left > 0 ? `attempt ${next.attempt} in ${seconds(left)}` : `attempt ${next.attempt} running`;
}

function describeHeartbeat(snap: ClientSnapshot): string {
  if (snap.state !== 'connected') return '-';
  const beat = snap.heartbeat;
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
    void send(formValue('event'), formValue('body'));
  });
  on('send-heartbeat', 'click', () => void send('heartbeat', '{}'));
  on('clear-log', 'click', () => replace(byId('log')));
  setInterval(showState, 500);
  showState();
}

start();
