/**
 * socket.io-client helpers: connect, wait for events, call with an ack, and close every client
 * a test opened (call `closeClients()` in afterEach).
 */
import { io, type Socket } from 'socket.io-client';

export type Transport = 'websocket' | 'polling';
export type Client = Socket;

const open = new Set<Socket>();

export interface ConnectOptions {
  transport?: Transport;
  auth?: Record<string, unknown>;
  /** Resolve on connect_error too (default false: reject). */
  allowFailure?: boolean;
  timeoutMs?: number;
  extraHeaders?: Record<string, string>;
}

function openSocket(url: string, options: ConnectOptions): Socket {
  const socket = io(url, {
    transports: [options.transport ?? 'websocket'],
    upgrade: false,
    reconnection: false,
    forceNew: true,
    timeout: options.timeoutMs ?? 5000,
    auth: options.auth ?? {},
    ...(options.extraHeaders !== undefined ? { extraHeaders: options.extraHeaders } : {}),
  });
  open.add(socket);
  return socket;
}

function whenConnected(socket: Socket, url: string, options: ConnectOptions): Promise<Socket> {
  const transport = options.transport ?? 'websocket';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connection to ${url} over ${transport} within ${options.timeoutMs ?? 5000} ms`)), (options.timeoutMs ?? 5000) + 500);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      if (options.allowFailure === true) resolve(socket);
      else reject(err);
    });
  });
}

export function connect(url: string, options: ConnectOptions = {}): Promise<Socket> {
  return whenConnected(openSocket(url, options), url, options);
}

/**
 * Connects, with a listener for `event` in place before the connection: for what the server
 * sends right after it (the answer to a login on the handshake), which can arrive in the same
 * read as the CONNECT packet — before a listener added after `connect()` resolved.
 */
export async function connectAndReceive<T = any>(url: string, event: string, options: ConnectOptions = {}): Promise<{ socket: Socket; value: T }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const socket = openSocket(url, options);
  const received = next<T>(socket, event, (options.timeoutMs ?? 5000) + 500);
  received.catch(() => undefined); // the connection's own failure is the one to report
  await whenConnected(socket, url, options);
  return { socket, value: await received };
}

/** The error of a connection that must fail. */
export function connectError(url: string, options: ConnectOptions = {}): Promise<Error & { data?: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const transport = options.transport ?? 'websocket';
  const socket = io(url, { transports: [transport], upgrade: false, reconnection: false, forceNew: true, auth: options.auth ?? {} });
  open.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but a failure was expected')));
    socket.once('connect_error', (err) => resolve(err));
  });
}

/** Emits with an ack and resolves with the answer. */
export function call<T = any>(socket: Socket, event: string, payload?: unknown, timeoutMs = 5000): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const args = payload === undefined ? [] : [payload];
  return socket.timeout(timeoutMs).emitWithAck(event, ...args) as Promise<T>;
}

/** Resolves with the first `event`'s argument. */
export function next<T = any>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const handler = (value: T) => {
      clearTimeout(timer);
      resolve(value);
    };
    socket.once(event, handler);
  });
}

/** Every `event` the socket receives from now on. */
export function collect<T = any>(socket: Socket, event: string): T[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const seen: T[] = [];
  socket.on(event, (value: T) => seen.push(value));
  return seen;
}

/** Resolves when the socket disconnects, with the reason. */
export function disconnected(socket: Socket, timeoutMs = 5000): Promise<string> {
  if (!socket.connected) return Promise.resolve('already disconnected');
  return next<string>(socket, 'disconnect', timeoutMs);
}

export function closeClients(): void {
  for (const socket of open) socket.disconnect();
  open.clear();
}
