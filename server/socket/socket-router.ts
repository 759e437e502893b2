/**
 * Every packet a client sends goes through one middleware per socket: it stamps the socket as
 * active, applies the per-connection rate limit, validates the payload against the event's
 * schema, runs the handler and answers. A request with an ack callback gets
 * `{ ok: true, ... }` or `{ ok: false, error }`; a failed request without one gets the
 * `rejected` event. Handlers are never registered per socket, so a connection costs one closure;
 * a request costs one EventContext, through which a handler leaves work for after its answer.
 * A login that rode on the handshake is answered by the same code, as the event `login`
 * (`emitAnswer`).
 */
import type { Clock } from '../../shared/clock';
import type { RateConfig } from '../../shared/config';
import { HeraldError, toErrorBody, type ErrorBody } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { describeZodError, type Answer, type LoginResult } from '../../shared/protocol';
import { TokenBucket } from '../../shared/rate-limiter';
import { exactMiddleware } from '../../shared/patches/socket-io-exact-arrays';
import type { Metrics } from '../metrics';
import { EventContext } from './event-context';
import type { EventHandler } from './event-handlers';
import type { HeraldSocket } from './types';

type AckFn = (answer: Answer) => void;

export class SocketRouter {
  constructor(
    private readonly handlers: Readonly<Record<string, EventHandler>>,
    private readonly rate: RateConfig,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  attach(socket: HeraldSocket): void {
    const bucket = new TokenBucket(this.rate, this.clock.now());
    socket.use((packet) => this.route(socket, bucket, packet as unknown[]));
    exactMiddleware(socket);
  }

  private route(socket: HeraldSocket, bucket: TokenBucket, packet: unknown[]): void {
    const now = this.clock.now();
    socket.data.lastActive = now;
    const args = packet.slice(1);
    const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AckFn) : undefined;
    const event = typeof packet[0] === 'string' ? packet[0] : String(packet[0]);

    const limit = bucket.take(now);
    if (!limit.ok) {
      this.metrics.rateLimited.inc({ scope: 'connection' });
      this.fail(socket, event, ack, { code: 'RATE_LIMITED', message: 'too many events on this connection', retryAfter: Math.ceil(limit.retryAfter) });
      return;
    }
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, event) ? this.handlers[event] : undefined;
    if (handler === undefined) {
      this.fail(socket, event, ack, { code: 'BAD_REQUEST', message: `unknown event ${JSON.stringify(event.slice(0, 64))}` });
      return;
    }
    if (args.length > 1) {
      this.fail(socket, event, ack, { code: 'BAD_REQUEST', message: 'send one payload object' });
      return;
    }
    const raw = args.length === 0 && handler.payloadOptional === true ? {} : args[0];
    const parsed = handler.schema.safeParse(raw);
    if (!parsed.success) {
      this.fail(socket, event, ack, { code: 'BAD_REQUEST', message: describeZodError(parsed.error) });
      return;
    }
    this.run(new EventContext(socket), event, ack, handler.run, parsed.data);
  }

  /**
   * Runs `work` outside a client request and sends its answer as the event `event`, exactly as a
   * request's answer would be: `{ ok: true, ... }` then the after-answer work, or
   * `{ ok: false, error }`. Used for the login that rode on the handshake.
   */
  emitAnswer(socket: HeraldSocket, event: 'login', work: (ctx: EventContext) => Promise<object> | object): void {
    this.run(new EventContext(socket), event, (answer) => socket.emit(event, answer as Answer<LoginResult>), work, undefined);
  }

  private run<T>(ctx: EventContext, event: string, ack: AckFn | undefined, work: (ctx: EventContext, payload: T) => Promise<object> | object, payload: T): void {
    let result: Promise<object> | object;
    try {
      result = work(ctx, payload);
    } catch (err) {
      this.failWith(ctx.socket, event, ack, err);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value) => this.succeed(ctx, ack, value),
        (err: unknown) => this.failWith(ctx.socket, event, ack, err),
      );
    } else {
      this.succeed(ctx, ack, result);
    }
  }

  /** The answer first, then what the handler left for after it (the login's replay). */
  private succeed(ctx: EventContext, ack: AckFn | undefined, value: object): void {
    ack?.({ ok: true, ...value });
    ctx.answered();
  }

  private failWith(socket: HeraldSocket, event: string, ack: AckFn | undefined, err: unknown): void {
    if (!(err instanceof HeraldError)) {
      this.logger.error('socket handler failed', { event, error: (err as Error)?.stack ?? String(err) });
    }
    this.fail(socket, event, ack, toErrorBody(err));
  }

  private fail(socket: HeraldSocket, event: string, ack: AckFn | undefined, error: ErrorBody): void {
    this.metrics.rejected.inc({ code: error.code });
    if (ack !== undefined) ack({ ok: false, error });
    else if (socket.connected) socket.emit('rejected', { event: event.slice(0, 64), error });
  }
}
