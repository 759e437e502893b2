/**
 * A stand-in for Herald in the SDK's tests: a REAL socket.io 4.8 server (and HTTP server) in the
 * test process that speaks Herald's client protocol — `login` answered like Herald (or with
 * `AUTH_REJECTED` / `AUTH_UNAVAILABLE`), `heartbeat`, `ack`, `subscribe`, `unsubscribe`, `logout`,
 * `kick`, pushes, and `GET /api/v1/endpoint`. Every payload is validated with the protocol's zod
 * schemas, so a test also proves the SDK sends what the real server accepts.
 *
 * Everything the SDK does is recorded with a time stamp from `now` (pass the fake clock the client
 * runs on), so a test asserts exact timings: `expect(herald.heartbeats[0].at).to.equal(t0 + 150_000)`.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import {
  AckSchema,
  HeartbeatSchema,
  LoginSchema,
  LogoutSchema,
  ResyncSchema,
  TopicRequestSchema,
  describeZodError,
} from '../../shared/protocol';
import type {
  AckRequest,
  Answer,
  KickPayload,
  LoginRequest,
  LoginResult,
  PushPayload,
  ResyncRequest,
  TopicRequest,
} from '../../shared/protocol';

/** How the fake answers `login`. `silent`: never answers. */
export type LoginMode = 'accept' | 'AUTH_REJECTED' | 'AUTH_UNAVAILABLE' | 'silent';

export interface Stamped<T> {
  /** `now()` when the server saw it. */
  at: number;
  socketId: string;
  payload: T;
}

export interface FakeHeraldOptions {
  /** Time source for records and `serverTime`. @default Date.now */
  now?: () => number;
  /** Seconds, announced in the login answer and the endpoint policy. @default 180 */
  idleTimeout?: number;
  /** Seconds, announced in the login answer. @default idleTimeout − 30 */
  heartbeatInterval?: number;
  /** Seconds, in the endpoint answer. @default 300 */
  endpointTtl?: number;
  /** Replaces the endpoint answer's `policy`. */
  policy?: object;
  /** In the endpoint answer. @default ['websocket'] */
  transports?: ('websocket' | 'polling')[];
}

export type RecordKind =
  | 'attempts'
  | 'connections'
  | 'disconnects'
  | 'logins'
  | 'logouts'
  | 'heartbeats'
  | 'acks'
  | 'resyncs'
  | 'subscribes'
  | 'unsubscribes'
  | 'invalid';

/** The policy the real endpoint announces with default configuration (contract section 4). */
export const DEFAULT_ENDPOINT_POLICY = {
  reconnect: { delays: [60, 120, 180], jitter: 0 },
  heartbeat: { interval: 150, timeout: 30, retries: 1 },
  login: { retryInterval: 30 },
  idleTimeout: 180,
  connectTimeout: 10,
};

export class FakeHerald {
  /** `http://127.0.0.1:PORT`, the Socket.IO URL. */
  url = '';
  /** `http://127.0.0.1:PORT/api/v1/endpoint`. */
  endpointUrl = '';
  readonly io: Server;

  /** How `login` is answered from now on. */
  loginMode: LoginMode = 'accept';
  /** When false, heartbeats get no answer (a half-dead connection). */
  answerHeartbeats = true;
  /** When true, handshakes fail with `connect_error` (the host is up, the service refuses). */
  refuseConnections = false;
  /** Number of GET /api/v1/endpoint requests served. */
  endpointHits = 0;

  /** Every handshake, accepted or refused. */
  readonly attempts: Stamped<Record<string, unknown>>[] = [];
  readonly connections: Stamped<null>[] = [];
  readonly disconnects: Stamped<string>[] = [];
  readonly logins: Stamped<LoginRequest>[] = [];
  readonly logouts: Stamped<null>[] = [];
  readonly heartbeats: Stamped<unknown>[] = [];
  readonly acks: Stamped<AckRequest>[] = [];
  readonly resyncs: Stamped<ResyncRequest>[] = [];
  /**
   * How `resync { after }` is answered: by default `{ ok, through: after }` and nothing resent;
   * a test sets it to resend what a real server would (with `prev`) before answering.
   */
  onResync: (socket: Socket, after: number) => number = (_socket, after) => after;
  readonly subscribes: Stamped<TopicRequest>[] = [];
  readonly unsubscribes: Stamped<TopicRequest>[] = [];
  /** Payloads that failed validation: a correct SDK never lands here. */
  readonly invalid: Stamped<{ event: string; reason: string }>[] = [];

  private readonly http: HttpServer;
  private readonly now: () => number;
  private readonly options: Required<Omit<FakeHeraldOptions, 'now' | 'policy'>> & { policy: object };
  private readonly recorded = new EventEmitter();
  private pushCounter = 0;

  private constructor(options: FakeHeraldOptions) {
    this.now = options.now ?? Date.now;
    const idleTimeout = options.idleTimeout ?? 180;
    this.options = {
      idleTimeout,
      heartbeatInterval: options.heartbeatInterval ?? idleTimeout - 30,
      endpointTtl: options.endpointTtl ?? 300,
      transports: options.transports ?? ['websocket'],
      policy: options.policy ?? DEFAULT_ENDPOINT_POLICY,
    };
    this.recorded.setMaxListeners(0);
    this.http = createServer((req, res) => this.onHttp(req, res));
    this.io = new Server(this.http, { transports: ['websocket', 'polling'] });
    this.io.use((socket, next) => {
      this.record('attempts', socket.id, { ...socket.handshake.auth });
      next(this.refuseConnections ? new Error('refused by the test') : undefined);
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
  }

  /** Starts on a free port of 127.0.0.1. */
  static async start(options: FakeHeraldOptions = {}): Promise<FakeHerald> {
    const herald = new FakeHerald(options);
    await new Promise<void>((resolve) => herald.http.listen(0, '127.0.0.1', resolve));
    const { port } = herald.http.address() as AddressInfo;
    herald.url = `http://127.0.0.1:${port}`;
    herald.endpointUrl = `${herald.url}/api/v1/endpoint`;
    return herald;
  }

  /** Connected sockets. */
  sockets(): Socket[] {
    return [...this.io.of('/').sockets.values()];
  }

  /** Sends a push to every connected socket; returns the payload sent. */
  push(data: unknown, extra: Partial<PushPayload> & { event?: string } = {}): PushPayload {
    const { event = 'message', ...fields } = extra;
    const payload: PushPayload = { id: `p${++this.pushCounter}`, data, ts: this.now(), ...fields };
    this.io.emit(event, payload);
    return payload;
  }

  /**
   * Herald's kick (server/socket/kicker.ts): `kick`, then the transport is closed when the client
   * should come back, or the socket disconnected (`io server disconnect`) when it should not.
   */
  kick(payload: KickPayload): void {
    for (const socket of this.sockets()) {
      socket.emit('kick', payload);
      if (payload.reconnect) socket.conn.close();
      else socket.disconnect(true);
    }
  }

  /** Cuts every connection's transport, as a network loss does (`transport close` on the client). */
  dropConnections(): void {
    for (const socket of this.sockets()) socket.conn.close();
  }

  /** Resolves once `kind` holds at least `count` records; fails after `ms` of real time. */
  async waitFor(kind: RecordKind, count: number, ms = 2000): Promise<void> {
    if (this[kind].length >= count) return;
    await new Promise<void>((resolve, reject) => {
      const onRecord = (): void => {
        if (this[kind].length < count) return;
        clearTimeout(timer);
        this.recorded.off(kind, onRecord);
        resolve();
      };
      const timer = setTimeout(() => {
        this.recorded.off(kind, onRecord);
        reject(new Error(`fake herald: expected ${count} ${kind}, saw ${this[kind].length} within ${ms} ms`));
      }, ms);
      this.recorded.on(kind, onRecord);
    });
  }

  async close(): Promise<void> {
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => {
      this.io.close(() => resolve());
    });
  }

  private record<K extends RecordKind>(kind: K, socketId: string, payload: FakeHerald[K][number]['payload']): void {
    (this[kind] as Stamped<unknown>[]).push({ at: this.now(), socketId, payload });
    this.recorded.emit(kind);
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/api/v1/endpoint') {
      this.endpointHits += 1;
      const body = {
        ok: true,
        url: this.url,
        transports: this.options.transports,
        ttl: this.options.endpointTtl,
        policy: this.options.policy,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message: 'No such route' } }));
  }

  private onConnection(socket: Socket): void {
    this.record('connections', socket.id, null);
    socket.on('disconnect', (reason) => this.record('disconnects', socket.id, reason));
    this.handle(socket, 'login', LoginSchema, (payload, answer: (a: Answer<LoginResult>) => void) => {
      this.record('logins', socket.id, payload);
      const value = payload.token ?? payload.ukey ?? '';
      switch (this.loginMode) {
        case 'accept':
          answer({
            ok: true,
            uid: `user-${value}`,
            platform: payload.platform ?? 'web',
            device: payload.device ?? null,
            serverTime: this.now(),
            idleTimeout: this.options.idleTimeout,
            heartbeatInterval: this.options.heartbeatInterval,
          });
          return;
        case 'AUTH_REJECTED':
          answer({ ok: false, error: { code: 'AUTH_REJECTED', message: 'The credential was rejected' } });
          return;
        case 'AUTH_UNAVAILABLE':
          answer({
            ok: false,
            error: { code: 'AUTH_UNAVAILABLE', message: 'The verification service is unavailable', retryAfter: 5 },
          });
          return;
        case 'silent':
          return;
      }
    });
    this.handle(socket, 'logout', LogoutSchema, (_payload, answer: (a: Answer) => void) => {
      this.record('logouts', socket.id, null);
      answer({ ok: true });
    });
    this.handle(socket, 'heartbeat', HeartbeatSchema, (payload, answer: (a: Answer<{ serverTime: number }>) => void) => {
      this.record('heartbeats', socket.id, payload);
      if (this.answerHeartbeats) answer({ ok: true, serverTime: this.now() });
    });
    this.handle(socket, 'ack', AckSchema, (payload, answer: (a: Answer) => void) => {
      this.record('acks', socket.id, payload);
      answer({ ok: true });
    });
    this.handle(socket, 'resync', ResyncSchema, (payload, answer: (a: Answer<{ through: number }>) => void) => {
      this.record('resyncs', socket.id, payload);
      answer({ ok: true, through: this.onResync(socket, payload.after) });
    });
    this.handle(socket, 'subscribe', TopicRequestSchema, (payload, answer: (a: Answer) => void) => {
      this.record('subscribes', socket.id, payload);
      if (payload.topic.startsWith('private.')) {
        answer({ ok: false, error: { code: 'FORBIDDEN', message: 'Not allowed' } });
      } else {
        answer({ ok: true });
      }
    });
    this.handle(socket, 'unsubscribe', TopicRequestSchema, (payload, answer: (a: Answer) => void) => {
      this.record('unsubscribes', socket.id, payload);
      answer({ ok: true });
    });
  }

  /** Validates like Herald: a bad payload is `BAD_REQUEST`, or `rejected` without an ack. */
  private handle<S extends z.ZodTypeAny, A>(
    socket: Socket,
    event: string,
    schema: S,
    handler: (payload: z.output<S>, answer: (answer: A) => void) => void,
  ): void {
    socket.on(event, (payload: unknown, ack?: unknown) => {
      const parsed = schema.safeParse(payload);
      const answer = typeof ack === 'function' ? (ack as (answer: unknown) => void) : undefined;
      if (!parsed.success || answer === undefined) {
        const reason = parsed.success ? 'no ack callback' : describeZodError(parsed.error);
        this.record('invalid', socket.id, { event, reason });
        const error = { code: 'BAD_REQUEST', message: reason };
        if (answer) answer({ ok: false, error });
        else socket.emit('rejected', { event, error });
        return;
      }
      handler(parsed.data, answer as (answer: A) => void);
    });
  }
}
