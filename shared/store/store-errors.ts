/**
 * What a database error means for the store: may the work be tried again, and what the caller is
 * told. Every failure reaches callers as HeraldError('STORE_UNAVAILABLE') with the driver's error
 * as `cause`; only the retry decision (MySQL) depends on the kind.
 */
import { HeraldError } from '../errors';
import type { Logger } from '../logger';
import type { StoreKind } from './message-store';

interface DriverError {
  code?: unknown;
  errno?: unknown;
  fatal?: unknown;
  message?: unknown;
}

/** InnoDB chose this transaction as a deadlock victim and rolled it back. */
const ER_LOCK_DEADLOCK = 1213;
/** A row lock was not granted in innodb_lock_wait_timeout; the statement was rolled back. */
const ER_LOCK_WAIT_TIMEOUT = 1205;

/** Errors that mean the connection or the server is gone, not that the SQL was wrong. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
]);

function asDriverError(err: unknown): DriverError {
  return err !== null && typeof err === 'object' ? (err as DriverError) : {};
}

export function isLockConflict(err: unknown): boolean {
  const { errno } = asDriverError(err);
  return errno === ER_LOCK_DEADLOCK || errno === ER_LOCK_WAIT_TIMEOUT;
}

/** The connection is unusable: the server went away, refused us, or the socket broke. */
export function isConnectionError(err: unknown): boolean {
  const { code, fatal } = asDriverError(err);
  return fatal === true || (typeof code === 'string' && CONNECTION_CODES.has(code));
}

/**
 * Whether an attempt that failed this way, before COMMIT was sent, can run again: nothing of it
 * was committed (InnoDB rolls back a deadlock victim, and the store rolls back or drops the
 * connection otherwise), and another try may well succeed.
 */
export function isRetryable(err: unknown): boolean {
  return isLockConflict(err) || isConnectionError(err);
}

/**
 * A short description of a driver error for messages and logs: its code and the start of its
 * message (drivers put no credentials in either).
 */
export function describeDriverError(err: unknown): string {
  const { code, message } = asDriverError(err);
  const text = typeof message === 'string' ? message.slice(0, 200) : '';
  if (typeof code === 'string' && code !== '') return text !== '' && !text.includes(code) ? `${code}: ${text}` : text || code;
  return text !== '' ? text : String(err);
}

/** The error the caller sees. */
export function storeUnavailable(operation: string, reason: string, cause?: unknown): HeraldError {
  return new HeraldError('STORE_UNAVAILABLE', `The message store is unavailable: ${operation} failed (${reason})`, { cause });
}

/**
 * Logs one line when the store starts failing (or fails in a new way) and one when it answers
 * again, instead of one line per failed call during an outage.
 */
export class OutageLog {
  private lastReason = '';

  constructor(
    private readonly logger: Logger,
    private readonly kind: StoreKind,
  ) {}

  failed(operation: string, reason: string): void {
    if (reason === this.lastReason) return;
    this.lastReason = reason;
    this.logger.warn('message store: database unavailable', { kind: this.kind, operation, reason });
  }

  succeeded(): void {
    if (this.lastReason === '') return;
    this.logger.info('message store: database available again', { kind: this.kind, after: this.lastReason });
    this.lastReason = '';
  }
}
