/** Field formats and size limits shared by socket events, the HTTP API and Redis ingress. */

/** A user id as the main site issues it: letters, digits and `_ . : @ -`, at most 64 characters. */
export const UID_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;
/** A topic name: letters, digits and `_ . : -`, at most 128 characters. */
export const TOPIC_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A platform tag such as `web`, `ios`, `android`: lower-case letters, digits, `_ -`, at most 16. */
export const PLATFORM_PATTERN = /^[a-z0-9_-]{1,16}$/;
/** A device id chosen by the client: at most 128 characters of `A-Z a-z 0-9 _ . : -`. */
export const DEVICE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A push event name: at most 64 characters of `A-Z a-z 0-9 _ . : -`. */
export const EVENT_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** An idempotency key (the `Idempotency-Key` header, a batch item's `idempotencyKey`, an ingress `id`): 1-128 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]{1,128}$/;

/** Longest ukey or token accepted, in characters. */
export const MAX_CREDENTIAL_LENGTH = 4096;
/** Longest free-text reason in a kick request. */
export const MAX_REASON_LENGTH = 200;

/** Event names that a push may not use: Socket.IO's own and Herald's protocol events. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'login',
  'logout',
  'heartbeat',
  'ack',
  'subscribe',
  'unsubscribe',
  'kick',
  'rejected',
  'error',
  'newListener',
  'removeListener',
]);
