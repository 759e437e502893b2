/**
 * The one request/response layer of Herald's processes, used in both directions over any
 * channel that carries messages: Node IPC between the primary and its children, and the control
 * socket (one JSON line each way) between the CLI and the primary.
 *
 * One envelope: `herald:call { id, command, args }` and `herald:reply { id, ok, result | error }`.
 * Errors are HeraldErrors from the one catalog; their code, message, `retryAfter` and `cause`
 * cross the wire. Calls are typed by the contract (contract.ts); args are checked by the side
 * that answers, so a bad call is BAD_REQUEST; handlers are a table per command name. A call
 * that gets no answer in time, or whose channel goes away, fails UNAVAILABLE (or the error the
 * channel's owner gives).
 */
import { HeraldError, isErrorCode, type ErrorCode } from '../errors';
import { isControlCommand, parseArgs, type ArgsOf, type ControlCommand, type ParsedArgsOf, type ResultOf } from './contract';

/** An error as it crosses the wire. */
export interface WireError {
  code: ErrorCode;
  message: string;
  /** Seconds after which a retry may succeed. */
  retryAfter?: number;
  cause?: WireError;
}

export interface CallMessage {
  type: 'herald:call';
  id: number;
  command: string;
  args: unknown;
}

export type ReplyMessage = { type: 'herald:reply'; id: number; ok: true; result: unknown } | { type: 'herald:reply'; id: number; ok: false; error: WireError };

export type RpcMessage = CallMessage | ReplyMessage;

/**
 * Where the messages go. `send` throws when the message cannot be serialized (that message is
 * lost, the channel is not); it may return a promise that rejects when the other end is gone.
 */
export interface RpcChannel {
  send(message: RpcMessage): void | Promise<void>;
}

export type Handler<K extends ControlCommand> = (args: ParsedArgsOf<K>) => Promise<ResultOf<K>> | ResultOf<K>;
/** Handlers by command name: the one way a process says what it answers. */
export type Handlers<K extends ControlCommand> = { [P in K]: Handler<P> };

export interface RpcOptions {
  /** Who is at the other end, for messages (`the primary`, `task-0`). @default 'the other process' */
  peer: string;
  /** Milliseconds a call waits for its answer. @default 5000 */
  timeoutMs: number;
  /** The error a call that timed out fails with. @default UNAVAILABLE "<peer> did not answer <command> within <ms> ms" */
  timeoutError?: (command: ControlCommand, timeoutMs: number) => HeraldError;
}

export const DEFAULT_RPC_OPTIONS: RpcOptions = { peer: 'the other process', timeoutMs: 5000 };

/** Causes nested deeper than this are not sent. */
const MAX_CAUSE_DEPTH = 3;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: HeraldError) => void;
  timer: NodeJS.Timeout;
}

export function isRpcMessage(message: unknown): message is RpcMessage {
  if (typeof message !== 'object' || message === null) return false;
  const type = (message as { type?: unknown }).type;
  return type === 'herald:call' || type === 'herald:reply';
}

export class Rpc {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, (args: unknown) => unknown>();
  private readonly options: RpcOptions;
  private closedWith: HeraldError | undefined;

  constructor(
    private readonly channel: RpcChannel,
    options: Partial<RpcOptions> = {},
  ) {
    this.options = { ...DEFAULT_RPC_OPTIONS, ...options };
  }

  /** Calls a command on the other end; resolves with its typed result. */
  call<K extends ControlCommand>(command: K, args: ArgsOf<K>, timeoutMs = this.options.timeoutMs): Promise<ResultOf<K>> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<ResultOf<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(this.options.timeoutError?.(command, timeoutMs) ?? new HeraldError('UNAVAILABLE', `${this.options.peer} did not answer ${command} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.transmit({ type: 'herald:call', id, command, args }, (err) => this.settle(id, err));
    });
  }

  /** Adds handlers; a command answered here must have one. */
  serve<K extends ControlCommand>(handlers: Handlers<K>): void {
    for (const name of Object.keys(handlers) as K[]) this.handlers.set(name, handlers[name] as (args: unknown) => unknown);
  }

  /** Hands the RPC a message from the channel; false when it is not one of its messages. */
  receive(message: unknown): boolean {
    if (!isRpcMessage(message)) return false;
    if (message.type === 'herald:reply') {
      if (message.ok) this.settle(message.id, undefined, message.result);
      else this.settle(message.id, fromWireError(message.error));
    } else {
      void this.answer(message);
    }
    return true;
  }

  /** Calls still waiting. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** The channel is gone: every pending call and every later one fails with `err`. Idempotent. */
  close(err: HeraldError = new HeraldError('UNAVAILABLE', `${this.options.peer} is gone`)): void {
    this.closedWith ??= err;
    for (const id of [...this.pending.keys()]) this.settle(id, err);
  }

  private async answer(call: CallMessage): Promise<void> {
    let reply: ReplyMessage;
    try {
      reply = { type: 'herald:reply', id: call.id, ok: true, result: await this.run(call) };
    } catch (err) {
      reply = { type: 'herald:reply', id: call.id, ok: false, error: toWireError(err) };
    }
    if (this.closedWith !== undefined) return;
    this.transmit(reply, (err) => {
      // The result could not be serialized: the caller gets an error instead of waiting for nothing.
      if (reply.ok && err.code === 'INTERNAL') this.transmit({ type: 'herald:reply', id: call.id, ok: false, error: toWireError(err) }, () => undefined);
    });
  }

  private run(call: CallMessage): unknown {
    const handler = this.handlers.get(call.command);
    if (handler === undefined || !isControlCommand(call.command)) throw new HeraldError('BAD_REQUEST', `unknown command ${JSON.stringify(call.command)}`);
    return handler(parseArgs(call.command, call.args));
  }

  /** Sends; a message that cannot be serialized fails INTERNAL, a channel that is gone UNAVAILABLE. */
  private transmit(message: RpcMessage, failed: (err: HeraldError) => void): void {
    let sent: void | Promise<void>;
    try {
      sent = this.channel.send(message);
    } catch (err) {
      failed(err instanceof HeraldError ? err : new HeraldError('INTERNAL', `the message could not be sent to ${this.options.peer}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    sent?.catch((err: unknown) => failed(err instanceof HeraldError ? err : new HeraldError('UNAVAILABLE', `${this.options.peer} is gone`, { cause: err })));
  }

  private settle(id: number, err?: HeraldError, result?: unknown): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (err !== undefined) pending.reject(err);
    else pending.resolve(result);
  }
}

/**
 * Any thrown value as a WireError. Unlike an HTTP answer, an unexpected error keeps its message:
 * the reader is Herald itself or its operator.
 */
export function toWireError(err: unknown, depth = 0): WireError {
  const wire: WireError =
    err instanceof HeraldError
      ? { code: err.code, message: err.message }
      : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
  if (err instanceof HeraldError && err.retryAfter !== undefined) wire.retryAfter = err.retryAfter;
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) wire.cause = toWireError(cause, depth + 1);
  return wire;
}

/** A WireError back as a HeraldError, with its code (INTERNAL if unknown), retryAfter and cause. */
export function fromWireError(wire: WireError): HeraldError {
  const code = isErrorCode(wire?.code) ? wire.code : 'INTERNAL';
  const message = typeof wire?.message === 'string' ? wire.message : 'failed';
  return new HeraldError(code, message, {
    ...(typeof wire?.retryAfter === 'number' ? { retryAfter: wire.retryAfter } : {}),
    ...(wire?.cause !== undefined ? { cause: fromWireError(wire.cause) } : {}),
  });
}

/**
 * Runs a command against handlers in this process, with the checks of a remote call (unknown
 * command, args): for a one-process gateway that has no primary to ask.
 */
export async function callLocal<K extends ControlCommand>(handlers: Partial<Handlers<ControlCommand>>, command: K, args: ArgsOf<K>): Promise<ResultOf<K>> {
  const handler = handlers[command] as Handler<K> | undefined;
  if (handler === undefined) throw new HeraldError('UNAVAILABLE', `${command} needs a primary process (this gateway runs alone)`);
  return handler(parseArgs(command, args));
}
