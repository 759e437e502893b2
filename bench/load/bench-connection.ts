/**
 * One load connection: a websocket that speaks Engine.IO v4 / Socket.IO v5 by hand (open packet,
 * `40`, ping → pong, events and acks), logs in when asked, and counts the pushes it receives.
 * Thousands live in one process, so per-connection state is a few fields and no timers; the
 * process-wide counters live in `LoadCounters`.
 */
import WebSocket from 'ws';
import { signToken } from '../../shared/auth/jwt-verifier';
import type { Histogram } from '../histogram';
import { ukeyFor, type ClientStatus, type LoginSpec } from './messages';
import { CONNECT_NAMESPACE, PONG, decodeAck, encodeEvent, eventPrefix, frameKind, isEventNamed, preciseNow, readPushTimes } from './wire';

/** The start of a `kick` event frame, compared without decoding the frame. */
const KICK_PREFIX = eventPrefix('kick');

/** What every connection of a process adds to: the status the process reports, kept mutable. */
export interface LoadCounters extends Omit<ClientStatus, 'reasons'> {
  reasons: Map<string, number>;
  /** Bumped on every change, so the status is only sent when something moved. */
  version: number;
}

/** What the process is counting right now. */
export interface MeasureState {
  prefix: Buffer | undefined;
  latency: boolean;
  /** Increments with every `measure`, so a connection knows whether it was reached in this round. */
  round: number;
  latencies: Histogram;
  serverLatencies: Histogram;
}

export type AttemptOutcome = 'ok' | 'hung' | 'error' | 'login-failed';

export interface AttemptOptions {
  url: string;
  login: LoginSpec | null;
  handshakeTimeoutMs: number;
}

export function bump(counters: LoadCounters, reason: string): void {
  counters.reasons.set(reason, (counters.reasons.get(reason) ?? 0) + 1);
  counters.version++;
}

export class BenchConnection {
  private ws: WebSocket | undefined;
  /** Namespace connected. */
  connected = false;
  loggedIn = false;
  /** The measure round in which this connection last received a matching event. */
  private reachedRound = -1;
  private ackSeq = 0;
  private pendingAck: { id: number; resolve: (arg: unknown) => void } | undefined;
  /** Called when an established connection closes without being asked to. */
  onUnexpectedClose: ((connection: BenchConnection) => void) | undefined;
  private closing = false;

  constructor(
    readonly uid: string,
    private readonly address: string,
    private readonly counters: LoadCounters,
    private readonly measure: MeasureState,
  ) {}

  /**
   * Opens the websocket and waits for the namespace CONNECT answer, then logs in when asked.
   * Resolves with how it went; never rejects.
   */
  attempt(options: AttemptOptions): Promise<AttemptOutcome> {
    this.closing = false;
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      let sawOpen = false;
      const settle = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const timer = setTimeout(() => {
        this.counters.hung++;
        // Where it stuck: no websocket yet (TCP or upgrade), no Engine.IO open packet, or no CONNECT.
        const stage = ws.readyState === WebSocket.CONNECTING ? 'upgrade' : !sawOpen ? 'open-packet' : 'namespace-connect';
        bump(this.counters, `hung:${stage}`);
        this.terminate();
        settle('hung');
      }, options.handshakeTimeoutMs);

      const ws = new WebSocket(options.url, { localAddress: this.address, perMessageDeflate: false, skipUTF8Validation: true });
      this.ws = ws;
      ws.on('message', (frame: Buffer) => {
        const kind = frameKind(frame);
        if (kind === 'event') {
          this.onEvent(frame);
          return;
        }
        switch (kind) {
          case 'ping':
            ws.send(PONG);
            return;
          case 'open':
            sawOpen = true;
            ws.send(CONNECT_NAMESPACE);
            return;
          case 'connect':
            this.setConnected(true);
            clearTimeout(timer);
            if (options.login === null) {
              settle('ok');
              return;
            }
            this.login(options.login, options.handshakeTimeoutMs).then((ok) => settle(ok ? 'ok' : 'login-failed'));
            return;
          case 'connect-error':
            bump(this.counters, 'connect-error');
            this.counters.connectErrors++;
            this.terminate();
            settle('error');
            return;
          case 'ack':
            this.onAck(frame);
            return;
          case 'disconnect':
            ws.close();
            return;
          default:
            return;
        }
      });
      ws.on('error', (err: Error & { code?: string }) => {
        if (!settled) {
          this.counters.connectErrors++;
          bump(this.counters, `error:${err.code ?? err.message.slice(0, 40)}`);
        }
      });
      ws.on('close', () => {
        const wasConnected = this.connected;
        this.setConnected(false);
        this.ws = undefined;
        if (this.pendingAck !== undefined) {
          const pending = this.pendingAck;
          this.pendingAck = undefined;
          pending.resolve(undefined);
        }
        if (!settled) {
          if (!this.closing) {
            this.counters.connectErrors++;
            bump(this.counters, 'closed-during-handshake');
          }
          settle('error');
          return;
        }
        if (wasConnected && !this.closing) {
          this.counters.closes++;
          this.counters.version++;
          this.onUnexpectedClose?.(this);
        }
      });
    });
  }

  /** Sends `login` and waits for its answer; false (and the reason counted) when refused or lost. */
  async login(spec: LoginSpec, timeoutMs: number): Promise<boolean> {
    const credential =
      spec.kind === 'token' ? { token: signToken({ uid: this.uid, secret: spec.secret, ttl: spec.ttlSeconds }) } : { ukey: ukeyFor(this.uid) };
    const answer = (await this.request('login', credential, timeoutMs)) as { ok?: boolean; error?: { code?: string } } | undefined;
    if (answer?.ok === true) {
      this.setLoggedIn(true);
      return true;
    }
    this.counters.loginFailures++;
    bump(this.counters, `login:${answer?.error?.code ?? 'no-answer'}`);
    return false;
  }

  /** An event with an ack id; resolves with the answer, or undefined when the connection closed or `timeoutMs` passed. */
  request(event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const ws = this.ws;
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return Promise.resolve(undefined);
    const id = this.ackSeq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pendingAck?.id === id) this.pendingAck = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.pendingAck = {
        id,
        resolve: (arg) => {
          clearTimeout(timer);
          resolve(arg);
        },
      };
      ws.send(encodeEvent(event, payload, id));
    });
  }

  /** An event without an ack (heartbeats). */
  send(event: string, payload: unknown): void {
    const ws = this.ws;
    if (ws !== undefined && ws.readyState === WebSocket.OPEN) ws.send(encodeEvent(event, payload));
  }

  /** Closes at once, without counting it as unexpected. */
  close(): void {
    this.closing = true;
    this.terminate();
  }

  private terminate(): void {
    const ws = this.ws;
    if (ws === undefined) return;
    try {
      ws.terminate();
    } catch {
      /* already closed */
    }
  }

  private onEvent(frame: Buffer): void {
    const measure = this.measure;
    if (measure.prefix === undefined || !isEventNamed(frame, measure.prefix)) {
      if (isEventNamed(frame, KICK_PREFIX)) bump(this.counters, 'kick');
      return;
    }
    const counters = this.counters;
    counters.received++;
    counters.version++;
    if (this.reachedRound !== measure.round) {
      this.reachedRound = measure.round;
      counters.reached++;
    }
    if (measure.latency) {
      const now = preciseNow();
      const times = readPushTimes(frame.toString('latin1'));
      measure.latencies.record(now - times.sentAt);
      measure.serverLatencies.record(now - times.serverTs);
      counters.lastReceiveAt = now;
    } else {
      counters.lastReceiveAt = Date.now();
    }
  }

  private onAck(frame: Buffer): void {
    const ack = decodeAck(frame.toString('utf8'));
    const pending = this.pendingAck;
    if (ack === undefined || pending === undefined || ack.id !== pending.id) return;
    this.pendingAck = undefined;
    pending.resolve(ack.arg);
  }

  private setConnected(value: boolean): void {
    if (value === this.connected) return;
    this.connected = value;
    this.counters.open += value ? 1 : -1;
    this.counters.version++;
    if (!value) this.setLoggedIn(false);
  }

  private setLoggedIn(value: boolean): void {
    if (value === this.loggedIn) return;
    this.loggedIn = value;
    this.counters.loggedIn += value ? 1 : -1;
    this.counters.version++;
  }
}
