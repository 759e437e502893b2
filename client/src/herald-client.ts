/**
 * The Herald client: one Socket.IO connection that follows the seed's rules. This file wires the
 * parts together and owns the connection state; each rule lives in its own file:
 * reconnect-policy.ts (60/120/180 s, then `failed`), heartbeat-monitor.ts (150 s of silence,
 * 30 s answers), login-manager.ts (30 s retries), ack-batcher.ts and seq-dedupe.ts (durable
 * pushes), endpoint-cache.ts (the endpoint answer and its ttl), device-id.ts.
 *
 * The SDK owns the reconnect loop: every socket is created with `reconnection: false`, and every
 * delay runs on the injected clock, so the timings are exact and a test can drive them.
 */
import { io, type Socket } from 'socket.io-client';
import type { Answer, KickPayload, LoginResult, RejectedPayload } from '../../shared/protocol/client-payloads';
import type { ClientToServerEvents, PushPayload, ServerToClientEvents } from '../../shared/protocol/events';
import type { LoginRequest } from '../../shared/protocol/schemas';
import { AckBatcher, DEFAULT_ACK_BATCHER_OPTIONS } from './ack-batcher';
import type { HeraldClientOptions } from './client-options';
import { systemClock, Timer, type Clock } from './clock';
import { loadDeviceId } from './device-id';
import { Emitter } from './emitter';
import { EndpointCache } from './endpoint-cache';
import { HeartbeatMonitor } from './heartbeat-monitor';
import { LoginManager } from './login-manager';
import { DEFAULT_CLIENT_POLICY, mergePolicy, type ClientPolicy } from './policy';
import { RecentSet } from './recent-set';
import { ReconnectPolicy } from './reconnect-policy';
import { SeqDedupe } from './seq-dedupe';
import { SeqOrder, type Arrival } from './seq-order';
import { defaultStorage, SafeStorage } from './storage';
import { LIFECYCLE_EVENTS } from './types';
import type {
  ClientSnapshot,
  ClientState,
  Credentials,
  DisconnectReason,
  HeraldErrorBody,
  HeraldLifecycleEvents,
  LifecycleEventName,
  PushHandler,
  PushMeta,
  RequestAnswer,
} from './types';

type HeraldSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPushHandler = PushHandler<any>;
type PushEvents = Record<string, AnyPushHandler>;

interface Target {
  url: string;
  path?: string;
  transports?: ('websocket' | 'polling')[];
}

const LIFECYCLE_EVENT_SET: ReadonlySet<string> = new Set(LIFECYCLE_EVENTS);

/** Server events that are not pushes. */
const PROTOCOL_EVENTS: ReadonlySet<string> = new Set(['kick', 'rejected', 'login']);

/** Subscribe refusals that will not change on retry: the topic is forgotten. */
const PERMANENT_REFUSALS: ReadonlySet<string> = new Set(['FORBIDDEN', 'BAD_REQUEST']);

function isPushPayload(value: unknown): value is PushPayload {
  if (typeof value !== 'object' || value === null) return false;
  const push = value as Record<string, unknown>;
  return (
    typeof push.id === 'string' &&
    typeof push.ts === 'number' &&
    'data' in push &&
    (push.seq === undefined || (typeof push.seq === 'number' && Number.isSafeInteger(push.seq) && push.seq > 0)) &&
    (push.prev === undefined || (typeof push.prev === 'number' && Number.isSafeInteger(push.prev) && push.prev >= 0)) &&
    (push.topic === undefined || typeof push.topic === 'string')
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A deep copy of plain data (the policy): a snapshot's reader cannot change the client. */
function structuredCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}

/**
 * @typeParam Pushes maps push event names to their data type, e.g.
 * `new HeraldClient<{ message: ChatLine; order: Order }>(…)`; any name is allowed by default.
 */
export class HeraldClient<Pushes extends Record<string, unknown> = Record<string, unknown>> {
  /** The device id sent with login (given, or generated once and stored). */
  readonly deviceId: string;

  private readonly options: HeraldClientOptions;
  private readonly clock: Clock;
  private readonly lifecycle: Emitter<HeraldLifecycleEvents>;
  private readonly pushes: Emitter<PushEvents>;
  private readonly endpointCache: EndpointCache | null;
  private readonly reconnectPolicy: ReconnectPolicy;
  private readonly heartbeat: HeartbeatMonitor;
  private readonly loginManager: LoginManager;
  private readonly acks: AckBatcher;
  private readonly dedupe = new SeqDedupe();
  /** Ids of the last ephemeral pushes: one the server sends again (same id) is dropped. */
  private readonly ephemeralIds = new RecentSet<string>(1024);
  /** Durable pushes of this connection in seq order, waiting behind a hole when one shows. */
  private readonly order = new SeqOrder<{ event: string; payload: PushPayload }>();
  /** A resync is under way on this connection. */
  private resyncing = false;
  private readonly attemptTimer: Timer;
  private readonly reconnectTimer: Timer;

  private currentPolicy: ClientPolicy;
  private state_: ClientState = 'idle';
  private socket: HeraldSocket | null = null;
  private target: Target | null = null;
  private credentials: Credentials | null;
  private user_: LoginResult | null = null;
  /** The uid durable seqs belong to; another uid starts them over. */
  private seqOwner: string | null = null;
  /** Bumped whenever seqs start over, so a late handler cannot ack into another user's seqs. */
  private seqEpoch = 0;
  /** Heartbeat interval (s) from the last login answer. */
  private announcedInterval: number | null = null;
  /** Topics were sent on this connection (after login, or at once when anonymous). */
  private ready = false;
  private readonly topics = new Set<string>();
  private readonly topicWaiters = new Map<string, ((answer: RequestAnswer) => void)[]>();
  private readonly openRequests = new Set<(answer: RequestAnswer) => void>();
  private loginWaiters: ((result: LoginResult | null) => void)[] = [];
  /** Identifies the running attempt; stale callbacks compare against it. */
  private attemptId = 0;
  private attemptAbort: AbortController | null = null;
  /** When the reconnect delays are counted from: the loss, or the previous attempt's start. */
  private anchor = 0;
  /** The reconnect attempt scheduled or running, and when it starts (ms since epoch). */
  private nextAttempt: { attempt: number; at: number } | null = null;

  constructor(options: HeraldClientOptions) {
    if ((options.endpoint === undefined) === (options.url === undefined)) {
      throw new TypeError('HeraldClient: give exactly one of `endpoint` and `url`');
    }
    this.options = { ...options };
    this.clock = options.clock ?? systemClock;
    this.credentials = options.credentials ?? null;
    const storage = new SafeStorage(options.storage ?? defaultStorage(), options.storagePrefix ?? 'herald:');
    this.deviceId = options.device ?? loadDeviceId(storage);
    this.lifecycle = new Emitter<HeraldLifecycleEvents>((error, event) => this.listenerFailed(error, String(event)));
    this.pushes = new Emitter<PushEvents>((error, event) => this.listenerFailed(error, String(event)));
    this.endpointCache =
      options.endpoint === undefined
        ? null
        : new EndpointCache({ endpoint: options.endpoint, clock: this.clock, storage, fetch: options.fetch });
    this.currentPolicy = mergePolicy(DEFAULT_CLIENT_POLICY, options.policy);
    this.attemptTimer = new Timer(this.clock);
    this.reconnectTimer = new Timer(this.clock);
    this.reconnectPolicy = new ReconnectPolicy({ delays: [], jitter: 0, random: options.random });
    this.heartbeat = new HeartbeatMonitor(this.clock, { interval: 1, timeout: 1, retries: 0 }, {
      send: () => this.sendHeartbeat(),
      dead: () => this.connectionLost('heartbeat timeout', true),
    });
    this.loginManager = new LoginManager(this.clock, { retryInterval: 1 }, {
      send: (request, answer) => this.emit('login', request, answer),
      succeeded: (result) => this.onLoggedIn(result),
      failed: (error, retryIn) => this.emitLifecycle('loginFailed', { ...error, retryIn }),
    });
    this.acks = new AckBatcher(this.clock, { ...DEFAULT_ACK_BATCHER_OPTIONS, ...options.ackBatch }, (seq) => {
      const socket = this.socket;
      this.emit('ack', { seq }, (answer: { ok: boolean }) => {
        if (!answer.ok && this.socket === socket) this.acks.retry();
      });
    });
    this.applyPolicy();
    if (options.autoConnect ?? true) this.connect();
  }

  // -------------------------------------------------------------------------------------------
  // State
  // -------------------------------------------------------------------------------------------

  get state(): ClientState {
    return this.state_;
  }

  /** The login answer while logged in on the current connection, else null. */
  get user(): LoginResult | null {
    return this.user_;
  }

  /** The connection policy in force (seconds): defaults, then the server's, then the app's. */
  get policy(): ClientPolicy {
    return this.currentPolicy;
  }

  /** The Socket.IO URL of the current or last connection attempt. */
  get url(): string | null {
    return this.target?.url ?? null;
  }

  /** Topics the client keeps subscribed (sent again after every reconnect). */
  get subscriptions(): string[] {
    return [...this.topics];
  }

  /**
   * A plain copy of the client's state now — connection, login, reconnect plan, heartbeat timers,
   * durable seqs and acks, policy — for a debug panel or a log line (see `ClientSnapshot`).
   */
  inspect(): ClientSnapshot {
    const credentials = this.credentials === null ? null : this.credentials.token !== undefined ? 'token' : 'ukey';
    const next = this.nextAttempt;
    return {
      state: this.state_,
      url: this.url,
      transport: this.state_ === 'connected' ? this.socket?.io.engine?.transport?.name ?? null : null,
      deviceId: this.deviceId,
      credentials,
      user: this.user_ === null ? null : structuredCopy(this.user_),
      subscriptions: this.subscriptions,
      openRequests: this.openRequests.size,
      reconnect: { attempts: this.reconnectPolicy.attempt, next: next === null ? null : { ...next } },
      heartbeat: this.heartbeat.snapshot(),
      durable: {
        lastSeq: this.order.contiguous ?? null,
        ackedSeq: this.acks.sent,
        pendingAcks: this.acks.pending,
        waiting: this.order.waitingCount,
        resyncing: this.resyncing,
      },
      policy: structuredCopy(this.currentPolicy),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Events
  // -------------------------------------------------------------------------------------------

  /** A lifecycle event (`connected`, `loggedIn`, …) or, for any other name, a push. */
  on<K extends LifecycleEventName>(event: K, handler: HeraldLifecycleEvents[K]): this;
  on<E extends keyof Pushes & string>(event: E, handler: PushHandler<Pushes[E]>): this;
  on(event: string, handler: AnyPushHandler | HeraldLifecycleEvents[LifecycleEventName]): this {
    if (LIFECYCLE_EVENT_SET.has(event)) this.lifecycle.on(event as LifecycleEventName, handler as never);
    else this.pushes.on(event, handler as AnyPushHandler);
    return this;
  }

  off<K extends LifecycleEventName>(event: K, handler?: HeraldLifecycleEvents[K]): this;
  off<E extends keyof Pushes & string>(event: E, handler?: PushHandler<Pushes[E]>): this;
  off(event: string, handler?: AnyPushHandler | HeraldLifecycleEvents[LifecycleEventName]): this {
    if (LIFECYCLE_EVENT_SET.has(event)) this.lifecycle.off(event as LifecycleEventName, handler as never);
    else this.pushes.off(event, handler as AnyPushHandler | undefined);
    return this;
  }

  /** A push handler, even for a push whose name is also a lifecycle event's. */
  onPush<E extends keyof Pushes & string>(event: E, handler: PushHandler<Pushes[E]>): this {
    this.pushes.on(event, handler as AnyPushHandler);
    return this;
  }

  offPush<E extends keyof Pushes & string>(event: E, handler?: PushHandler<Pushes[E]>): this {
    this.pushes.off(event, handler as AnyPushHandler | undefined);
    return this;
  }

  // -------------------------------------------------------------------------------------------
  // Commands
  // -------------------------------------------------------------------------------------------

  /**
   * Starts connecting: after `autoConnect: false`, after `failed`, after `close()` or a kick
   * without reconnect. While a reconnect attempt is scheduled it runs now. Otherwise a no-op.
   */
  connect(): void {
    if (this.state_ === 'connecting' || this.state_ === 'connected') return;
    if (this.state_ !== 'reconnecting') this.reconnectPolicy.reset();
    // A scheduled attempt runs now; otherwise this is a fresh start.
    this.nextAttempt = this.state_ === 'reconnecting' && this.nextAttempt !== null ? { ...this.nextAttempt, at: this.clock.now() } : null;
    this.reconnectTimer.clear();
    this.startAttempt();
  }

  /**
   * Logs in with `credentials` now (when connected) and after every reconnect. Failures are
   * retried every `policy.login.retryInterval` seconds and reported through `loginFailed`.
   * Resolves with the login answer once logged in, or with null when `logout()`, `close()` or
   * another `login()` comes first. Never rejects.
   */
  login(credentials: Credentials): Promise<LoginResult | null> {
    this.settleLoginWaiters(null);
    this.credentials = credentials;
    const result = new Promise<LoginResult | null>((resolve) => this.loginWaiters.push(resolve));
    if (this.state_ === 'connected') this.startLogin();
    return result;
  }

  /**
   * Forgets the credentials, stops login retries and logs out on the server; the connection stays
   * up, anonymous. Resolves with the server's answer (or `{ ok: true }` when not connected).
   */
  async logout(): Promise<RequestAnswer> {
    this.credentials = null;
    this.settleLoginWaiters(null);
    this.loginManager.stop();
    if (this.state_ !== 'connected') {
      this.user_ = null;
      return { ok: true };
    }
    this.acks.flush();
    this.acks.pause();
    this.user_ = null;
    const answer = this.request((ack) => this.emit('logout', {}, ack));
    this.markReady();
    const result = await answer;
    this.emitLifecycle('loggedOut');
    return result;
  }

  /**
   * Subscribes to `topic` now or, when not connected (or not logged in yet), as soon as the
   * connection is ready; kept across reconnects. Resolves with the server's answer; a refusal
   * (`FORBIDDEN`, `BAD_REQUEST`) also forgets the topic. Never rejects.
   */
  subscribe(topic: string): Promise<RequestAnswer> {
    this.topics.add(topic);
    const answer = new Promise<RequestAnswer>((resolve) => {
      const waiters = this.topicWaiters.get(topic);
      if (waiters) waiters.push(resolve);
      else this.topicWaiters.set(topic, [resolve]);
    });
    if (this.ready) this.sendSubscribe(topic);
    return answer;
  }

  /** Stops receiving `topic` and forgets it. Resolves with the server's answer. Never rejects. */
  async unsubscribe(topic: string): Promise<RequestAnswer> {
    this.topics.delete(topic);
    this.settleTopicWaiters(topic, { ok: false, error: { code: 'CANCELLED', message: `unsubscribed from ${topic}` } });
    if (!this.ready) return { ok: true };
    return this.request((ack) => this.emit('unsubscribe', { topic }, ack));
  }

  /**
   * Sends any event with `payload` on the current connection, outside the SDK's own requests: for
   * test tools (Herald's /console sends `heartbeat`, `ack`, or something Herald refuses, to see
   * the answer). It counts as activity for the heartbeat. Resolves with `{ ok: true, answer }` once
   * the server answers — whatever it says — or with `DISCONNECTED` (not connected, or the
   * connection closed first), `CLOSED`, or `TIMEOUT` after `timeout` ms (default: the policy's
   * `heartbeat.timeout`). Never rejects.
   */
  emitRaw(event: string, payload: unknown, timeout?: number): Promise<RequestAnswer<{ answer: unknown }>> {
    if (this.state_ !== 'connected') return Promise.resolve({ ok: false, error: { code: 'DISCONNECTED', message: 'not connected' } });
    return this.request<{ answer: unknown }>((settle) => {
      this.heartbeat.noteSent();
      const emit = (this.socket as HeraldSocket).emit as (event: string, ...args: unknown[]) => void;
      emit.call(this.socket, event, payload, (answer: unknown) => settle({ ok: true, answer }));
    }, timeout);
  }

  /**
   * Closes the connection for good: no reconnect, every timer stopped, pending requests answered
   * `CLOSED`. Idempotent. Handlers stay registered; `connect()` starts again.
   */
  close(): void {
    const wasConnected = this.state_ === 'connected';
    this.stopAttempt();
    this.reconnectTimer.clear();
    this.nextAttempt = null;
    if (wasConnected) this.acks.flush();
    this.dropSocket('CLOSED');
    this.state_ = 'closed';
    const closed: RequestAnswer = { ok: false, error: { code: 'CLOSED', message: 'the client was closed' } };
    for (const topic of [...this.topicWaiters.keys()]) this.settleTopicWaiters(topic, closed);
    this.settleLoginWaiters(null);
    if (wasConnected) this.emitLifecycle('disconnected', { reason: 'closed', willReconnect: false });
  }

  // -------------------------------------------------------------------------------------------
  // Connecting and reconnecting
  // -------------------------------------------------------------------------------------------

  private startAttempt(): void {
    const id = ++this.attemptId;
    this.state_ = 'connecting';
    this.anchor = this.clock.now();
    const abort = typeof AbortController === 'undefined' ? null : new AbortController();
    this.attemptAbort = abort;
    const timeout = this.currentPolicy.connectTimeout;
    this.attemptTimer.set(
      () => this.attemptFailed(id, { code: 'TIMEOUT', message: `no connection within ${timeout} s` }),
      timeout * 1000,
    );
    this.resolveTarget(abort?.signal).then(
      (target) => {
        if (id === this.attemptId && this.state_ === 'connecting') this.openSocket(id, target);
      },
      (error: unknown) => this.attemptFailed(id, { code: 'ENDPOINT_FAILED', message: describe(error) }),
    );
  }

  private async resolveTarget(signal: AbortSignal | undefined): Promise<Target> {
    const { options } = this;
    if (this.endpointCache === null) {
      return { url: options.url as string, path: options.path, transports: options.transports };
    }
    const info = await this.endpointCache.get(signal);
    this.applyPolicy(info.policy);
    return { url: info.url, path: options.path ?? info.path, transports: options.transports ?? info.transports };
  }

  private openSocket(id: number, target: Target): void {
    this.target = target;
    const socket: HeraldSocket = io(target.url, {
      ...this.options.socketOptions,
      path: target.path ?? '/socket.io',
      ...(target.transports ? { transports: target.transports } : {}),
      reconnection: false,
      forceNew: true,
      autoConnect: true,
      timeout: this.currentPolicy.connectTimeout * 1000,
    });
    this.socket = socket;
    socket.on('connect', () => {
      if (id === this.attemptId && this.socket === socket) this.onConnected(socket);
    });
    socket.on('connect_error', (error) => {
      if (this.socket === socket) this.attemptFailed(id, { code: 'CONNECT_FAILED', message: describe(error) });
    });
    socket.on('disconnect', (reason) => {
      if (this.socket !== socket || this.state_ !== 'connected') return;
      const mapped: DisconnectReason =
        reason === 'io server disconnect' ? 'server disconnect' : reason === 'io client disconnect' ? 'closed' : reason;
      this.connectionLost(mapped, true);
    });
    socket.on('kick', (kick) => {
      if (this.socket === socket) this.onKick(kick);
    });
    socket.on('rejected', (payload: RejectedPayload) => {
      if (this.socket === socket) this.emitLifecycle('rejected', payload);
    });
    socket.onAny((event: string, payload: unknown) => {
      if (this.socket === socket) this.onServerEvent(event, payload);
    });
  }

  private attemptFailed(id: number, error: HeraldErrorBody): void {
    if (id !== this.attemptId || this.state_ !== 'connecting') return;
    this.stopAttempt();
    this.dropSocket('DISCONNECTED');
    this.state_ = 'reconnecting';
    this.scheduleReconnect(error);
  }

  private stopAttempt(): void {
    this.attemptId += 1;
    this.attemptTimer.clear();
    this.attemptAbort?.abort();
    this.attemptAbort = null;
  }

  /** Schedules the next attempt, or gives up: `failed`, and the endpoint answer is dropped. */
  private scheduleReconnect(error: HeraldErrorBody): void {
    const step = this.reconnectPolicy.next();
    if (step === null) {
      this.nextAttempt = null;
      this.state_ = 'failed';
      this.endpointCache?.drop();
      this.emitLifecycle('failed', { attempts: this.reconnectPolicy.attempt, error });
      return;
    }
    const delay = Math.max(0, this.anchor + step.delay - this.clock.now());
    this.nextAttempt = { attempt: step.attempt, at: this.clock.now() + delay };
    this.reconnectTimer.set(() => this.startAttempt(), delay);
    this.emitLifecycle('reconnecting', { attempt: step.attempt, delay });
  }

  private onConnected(socket: HeraldSocket): void {
    this.stopAttempt();
    this.state_ = 'connected';
    this.reconnectPolicy.reset();
    this.nextAttempt = null;
    if (this.options.heartbeat ?? true) this.heartbeat.start();
    this.emitLifecycle('connected', {
      url: this.target?.url ?? '',
      transport: socket.io.engine?.transport?.name ?? 'unknown',
    });
    if (this.socket !== socket) return; // a listener closed the client
    if (this.credentials !== null) this.startLogin();
    else this.markReady();
  }

  /**
   * The connection is gone: clean up, tell the app, and reconnect unless told not to — after
   * `quickDelay` ms when given (a reload), else by the reconnect policy.
   */
  private connectionLost(reason: DisconnectReason, reconnect: boolean, quickDelay?: number): void {
    if (this.state_ !== 'connected') return;
    this.dropSocket('DISCONNECTED');
    this.state_ = reconnect ? 'reconnecting' : 'closed';
    this.anchor = this.clock.now();
    this.emitLifecycle('disconnected', { reason, willReconnect: reconnect });
    if (!reconnect || this.state_ !== 'reconnecting' || this.reconnectTimer.pending) return;
    if (quickDelay !== undefined) {
      // Not one of the policy's attempts: if it fails, the policy starts from its first delay.
      this.nextAttempt = { attempt: 0, at: this.clock.now() + quickDelay };
      this.reconnectTimer.set(() => this.startAttempt(), quickDelay);
      this.emitLifecycle('reconnecting', { attempt: 0, delay: quickDelay });
      return;
    }
    this.scheduleReconnect({ code: 'DISCONNECTED', message: reason });
  }

  private onKick(kick: KickPayload): void {
    this.emitLifecycle('kicked', kick);
    const reconnect = kick.reconnect !== false;
    const quick = reconnect && kick.reason === 'reload' ? Math.floor((this.options.random ?? Math.random)() * (this.options.reloadReconnectWindow ?? 3000)) : undefined;
    this.connectionLost('kicked', reconnect, quick);
  }

  /** Forgets the socket and everything tied to it; open requests get `code`. */
  private dropSocket(code: 'DISCONNECTED' | 'CLOSED'): void {
    this.heartbeat.stop();
    this.loginManager.stop();
    this.acks.pause();
    this.ready = false;
    this.user_ = null;
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.offAny();
      socket.removeAllListeners();
      socket.disconnect();
    }
    const message = code === 'CLOSED' ? 'the client was closed' : 'the connection closed before the answer';
    for (const settle of [...this.openRequests]) settle({ ok: false, error: { code, message } });
  }

  private applyPolicy(serverPolicy?: unknown): void {
    const policy = mergePolicy(mergePolicy(DEFAULT_CLIENT_POLICY, serverPolicy), this.options.policy);
    this.currentPolicy = policy;
    this.reconnectPolicy.configure({
      delays: policy.reconnect.delays.map((s) => s * 1000),
      jitter: policy.reconnect.jitter,
    });
    this.heartbeat.configure({
      interval: this.heartbeatInterval() * 1000,
      timeout: policy.heartbeat.timeout * 1000,
      retries: policy.heartbeat.retries,
    });
    this.loginManager.configure({ retryInterval: policy.login.retryInterval * 1000 });
  }

  /** Seconds: the app's explicit figure, else the login answer's, else the policy's. */
  private heartbeatInterval(): number {
    if (this.options.policy?.heartbeat?.interval !== undefined) return this.currentPolicy.heartbeat.interval;
    return this.announcedInterval ?? this.currentPolicy.heartbeat.interval;
  }

  // -------------------------------------------------------------------------------------------
  // Login, topics, heartbeat
  // -------------------------------------------------------------------------------------------

  private startLogin(): void {
    const credentials = this.credentials;
    if (credentials === null || this.socket === null) return;
    this.acks.flush();
    this.acks.pause();
    const request: LoginRequest =
      credentials.token !== undefined ? { token: credentials.token } : { ukey: credentials.ukey as string };
    const platform = this.options.platform ?? (isBrowser() ? 'web' : undefined);
    if (platform !== undefined) request.platform = platform;
    request.device = this.deviceId;
    this.loginManager.start(request);
  }

  private onLoggedIn(result: LoginResult): void {
    this.user_ = result;
    if (this.seqOwner !== result.uid) {
      if (this.seqOwner !== null) {
        this.dedupe.reset();
        this.acks.reset();
        this.seqEpoch += 1;
      }
      this.seqOwner = result.uid;
    }
    this.order.start(typeof result.replay?.after === 'number' ? result.replay.after : undefined);
    this.resyncing = false;
    if (typeof result.heartbeatInterval === 'number' && result.heartbeatInterval > 0) {
      this.announcedInterval = result.heartbeatInterval;
      this.heartbeat.configure({ interval: this.heartbeatInterval() * 1000 });
    }
    this.acks.resume();
    this.settleLoginWaiters(result);
    this.markReady();
    this.emitLifecycle('loggedIn', result);
  }

  private settleLoginWaiters(result: LoginResult | null): void {
    const waiters = this.loginWaiters;
    this.loginWaiters = [];
    for (const resolve of waiters) resolve(result);
  }

  /** Sends every kept topic once the connection is ready (logged in, or anonymous). */
  private markReady(): void {
    if (this.ready || this.socket === null || this.state_ !== 'connected') return;
    this.ready = true;
    for (const topic of this.topics) this.sendSubscribe(topic);
  }

  private sendSubscribe(topic: string): void {
    const waiters = this.topicWaiters.get(topic) ?? [];
    this.topicWaiters.delete(topic);
    void this.request((ack) => this.emit('subscribe', { topic }, ack)).then((answer) => {
      if (!answer.ok && PERMANENT_REFUSALS.has(answer.error.code)) {
        this.topics.delete(topic);
        if (waiters.length === 0) this.emitLifecycle('subscribeFailed', topic, answer.error);
      }
      for (const resolve of waiters) resolve(answer);
    });
  }

  private settleTopicWaiters(topic: string, answer: RequestAnswer): void {
    const waiters = this.topicWaiters.get(topic);
    this.topicWaiters.delete(topic);
    for (const resolve of waiters ?? []) resolve(answer);
  }

  private sendHeartbeat(): void {
    const socket = this.socket;
    this.emit('heartbeat', {}, () => {
      if (this.socket === socket) this.heartbeat.answered();
    });
  }

  // -------------------------------------------------------------------------------------------
  // Pushes
  // -------------------------------------------------------------------------------------------

  private onServerEvent(event: string, payload: unknown): void {
    this.heartbeat.noteReceived();
    if (PROTOCOL_EVENTS.has(event)) return;
    if (!isPushPayload(payload)) {
      this.emitLifecycle('error', { code: 'BAD_PUSH', message: `push "${event}" is not { id, data, ts }` });
      return;
    }
    const seq = payload.seq;
    if (seq === undefined) {
      if (!this.ephemeralIds.isDuplicate(payload.id)) this.handlePush(event, payload);
      return;
    }
    const prev = typeof payload.prev === 'number' ? payload.prev : undefined;
    const { ready, gap } = this.order.receive({ seq, prev, item: { event, payload } });
    this.handleInOrder(ready);
    if (gap) this.requestResync();
  }

  private handleInOrder(ready: Arrival<{ event: string; payload: PushPayload }>[]): void {
    for (const { item } of ready) this.handlePush(item.event, item.payload);
  }

  /**
   * A hole nobody explained: the server sends again everything for this device past our last
   * seq, then says how far it is complete; what waited goes on in order either way.
   */
  private requestResync(): void {
    if (this.resyncing) return;
    this.resyncing = true;
    const socket = this.socket;
    const after = this.order.contiguous ?? 0;
    void this.request<{ through: number }>((ack) => this.emit('resync', { after }, ack)).then((answer) => {
      if (this.socket !== socket) return;
      this.resyncing = false;
      this.handleInOrder(this.order.settle(answer.ok ? answer.through : after));
      if (this.order.waitingCount > 0) this.requestResync();
    });
  }

  private handlePush(event: string, payload: PushPayload): void {
    const seq = payload.seq;
    if (seq !== undefined && this.dedupe.isDuplicate(seq)) {
      this.acks.record(seq);
      return;
    }
    if (seq !== undefined) this.acks.begin(seq);
    const meta: PushMeta = { event, id: payload.id, seq, ts: payload.ts, topic: payload.topic };
    const pending = this.pushes.emit(event, payload.data, meta).filter(isThenable);
    if (pending.length === 0) {
      if (seq !== undefined) this.acks.record(seq);
      return;
    }
    const epoch = this.seqEpoch;
    void Promise.allSettled(pending).then((outcomes) => {
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') this.listenerFailed(outcome.reason, event);
      }
      if (seq !== undefined && epoch === this.seqEpoch) this.acks.record(seq);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing
  // -------------------------------------------------------------------------------------------

  /** Every client → server event goes through here: it counts as activity for the heartbeat. */
  private emit<E extends keyof ClientToServerEvents>(event: E, ...args: Parameters<ClientToServerEvents[E]>): void {
    const socket = this.socket;
    if (socket === null) return;
    this.heartbeat.noteSent();
    (socket.emit as (event: string, ...args: unknown[]) => void)(event, ...args);
  }

  /**
   * A request with an answer: resolves with the answer, `TIMEOUT` (after `timeoutMs`, by default
   * the policy's heartbeat timeout), or `DISCONNECTED`.
   */
  private request<T extends object>(send: (ack: (answer: Answer<T>) => void) => void, timeoutMs?: number): Promise<RequestAnswer<T>> {
    return new Promise((resolve) => {
      const timer = new Timer(this.clock);
      const settle = (answer: RequestAnswer<T>): void => {
        if (!this.openRequests.delete(settle as (answer: RequestAnswer) => void)) return;
        timer.clear();
        resolve(answer);
      };
      this.openRequests.add(settle as (answer: RequestAnswer) => void);
      const ms = timeoutMs ?? this.currentPolicy.heartbeat.timeout * 1000;
      timer.set(() => settle({ ok: false, error: { code: 'TIMEOUT', message: `no answer within ${ms / 1000} s` } }), ms);
      if (this.socket === null) {
        settle({ ok: false, error: { code: 'DISCONNECTED', message: 'not connected' } });
        return;
      }
      send(settle);
    });
  }

  private emitLifecycle<K extends LifecycleEventName>(event: K, ...args: Parameters<HeraldLifecycleEvents[K]>): void {
    this.lifecycle.emit(event, ...args);
  }

  /** A listener threw: report it through `error`, or, with no `error` listener, to the host. */
  private listenerFailed(error: unknown, event: string): void {
    if (event !== 'error' && this.lifecycle.count('error') > 0) {
      this.lifecycle.emit('error', { code: 'HANDLER_ERROR', message: `handler of "${event}" threw: ${describe(error)}`, cause: error });
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}
