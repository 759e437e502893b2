/**
 * The one error catalog. Codes are stable: clients, the SDK and the main site branch on them.
 * docs/PROTOCOL.md (socket events) and docs/API.md (HTTP) document every one; the last three are
 * the CLI's own (the control socket, docs/OPERATIONS.md).
 */
export const ERROR_CATALOG = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed or fails validation' },
  UNAUTHORIZED: { status: 401, message: 'A valid API key is required (Authorization: Bearer <key>)' },
  AUTH_REJECTED: { status: 401, message: 'The credential was rejected' },
  FORBIDDEN: { status: 403, message: 'Not allowed' },
  NOT_LOGGED_IN: { status: 403, message: 'Log in first' },
  NOT_FOUND: { status: 404, message: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed on this route' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The payload is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send JSON (Content-Type: application/json)' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, message: 'A call with this Idempotency-Key is still running' },
  IDEMPOTENCY_MISMATCH: { status: 422, message: 'This Idempotency-Key was used with another request' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  INTERNAL: { status: 500, message: 'Internal error' },
  AUTH_UNAVAILABLE: { status: 503, message: 'The verification service is unavailable' },
  UNAVAILABLE: { status: 503, message: 'The service is not ready' },
  STORE_UNAVAILABLE: { status: 503, message: 'The message store is unavailable' },
  REDIS_UNAVAILABLE: { status: 503, message: 'Redis is unreachable and the outage buffer is full; retry later' },
  NOT_RUNNING: { status: 503, message: 'Herald is not running (no server answers on the control socket)' },
  TIMEOUT: { status: 504, message: 'No answer in time' },
  IO: { status: 502, message: 'The control socket failed or sent an unreadable answer' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The wire shape of an error, in socket answers and HTTP bodies alike. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Seconds after which a retry may succeed (RATE_LIMITED, AUTH_UNAVAILABLE, REDIS_UNAVAILABLE, IDEMPOTENCY_IN_PROGRESS). */
  retryAfter?: number;
}

export interface HeraldErrorOptions {
  cause?: unknown;
  retryAfter?: number;
}

/** An error that maps to a catalog code; anything else is reported as INTERNAL. */
export class HeraldError extends Error {
  override readonly name = 'HeraldError';
  readonly code: ErrorCode;
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message?: string, options: HeraldErrorOptions = {}) {
    super(message ?? ERROR_CATALOG[code].message, { cause: options.cause });
    this.code = code;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfter !== undefined) body.retryAfter = this.retryAfter;
    return body;
  }
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOG, code);
}

/** Turns any thrown value into the wire shape, hiding internals of unexpected errors. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof HeraldError) return err.toBody();
  return { code: 'INTERNAL', message: ERROR_CATALOG.INTERNAL.message };
}

/** Invalid configuration: `key` is the dotted path, e.g. `auth.jwt.secret`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly key: string;

  constructor(key: string, reason: string, options: { cause?: unknown } = {}) {
    super(`in ${key}: ${reason}`, { cause: options.cause });
    this.key = key;
  }
}
