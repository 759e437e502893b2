/**
 * The Engine.IO v4 / Socket.IO v5 wire protocol over a websocket, as far as a load client needs
 * it: one text frame is one Engine.IO packet; Socket.IO packets ride in Engine.IO `message` (4)
 * packets.
 *
 *   server → `0{"sid":…,"pingInterval":25000,…}`   Engine.IO open
 *   client → `40`                                   Socket.IO CONNECT to namespace `/`
 *   server → `40{"sid":…}` or `44{"message":…}`     CONNECT answer or CONNECT_ERROR
 *   server → `2`, client → `3`                      Engine.IO ping / pong
 *   either → `42["event",{…}]`                      Socket.IO EVENT
 *   client → `42<id>["event",{…}]`, server → `43<id>[{…}]`   EVENT with an ack id, and its ACK
 */

/** `ws://host:port/socket.io/?EIO=4&transport=websocket` for an `http://host:port` base URL. */
export function websocketUrl(httpUrl: string, path = '/socket.io/'): string {
  const url = new URL(path, httpUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('EIO', '4');
  url.searchParams.set('transport', 'websocket');
  return url.toString();
}

export const PONG = '3';
export const CONNECT_NAMESPACE = '40';

/** What a received frame is, decided from its first bytes without parsing the rest. */
export type FrameKind = 'open' | 'ping' | 'connect' | 'connect-error' | 'event' | 'ack' | 'disconnect' | 'close' | 'other';

const CH_0 = 0x30;
const CH_1 = 0x31;
const CH_2 = 0x32;
const CH_3 = 0x33;
const CH_4 = 0x34;

export function frameKind(frame: Buffer): FrameKind {
  const first = frame[0];
  if (first === CH_4) {
    switch (frame[1]) {
      case CH_2:
        return 'event';
      case CH_3:
        return 'ack';
      case CH_0:
        return 'connect';
      case CH_4:
        return 'connect-error';
      case CH_1:
        return 'disconnect';
      default:
        return 'other';
    }
  }
  if (first === CH_2 && frame.length === 1) return 'ping';
  if (first === CH_0) return 'open';
  if (first === CH_1) return 'close';
  return 'other';
}

/** `42["event",payload]`, or `42<ackId>["event",payload]` when the sender wants an answer. */
export function encodeEvent(event: string, payload: unknown, ackId?: number): string {
  return `42${ackId ?? ''}${JSON.stringify([event, payload])}`;
}

/** Whether an event frame carries the event `name` (`42["name",…`), compared on bytes. */
export function isEventNamed(frame: Buffer, prefix: Buffer): boolean {
  return frame.length >= prefix.length && frame.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** The byte prefix of an event frame named `name` without an ack id. */
export function eventPrefix(name: string): Buffer {
  return Buffer.from(`42${JSON.stringify([name]).slice(0, -1)},`);
}

/** An ACK frame's id and its first argument: `43<id>[arg]`. */
export function decodeAck(frame: string): { id: number; arg: unknown } | undefined {
  const bracket = frame.indexOf('[', 2);
  if (bracket < 3) return undefined;
  const id = Number(frame.slice(2, bracket));
  if (!Number.isSafeInteger(id)) return undefined;
  try {
    const args = JSON.parse(frame.slice(bracket)) as unknown[];
    return { id, arg: args[0] };
  } catch {
    return undefined;
  }
}

/**
 * The payload every bench push carries as `data`: a JSON string of exactly `bytes` bytes that
 * starts with the moment the push was meant to be sent (ms since the epoch, µs precision), so
 * the receiver can compute the latency from the API call without parsing the whole frame.
 */
export function benchData(sentAtMs: number, bytes: number): string {
  const head = `${sentAtMs.toFixed(3)}:`;
  // The JSON string adds two quotes.
  const pad = Math.max(0, bytes - 2 - head.length);
  return head + 'x'.repeat(pad);
}

const DATA_FIELD = '"data":"';
const TS_FIELD = '"ts":';

/**
 * Reads the send moment out of a push frame (`…"data":"<ms>:xxx…"…`) and the server's `ts`
 * (`…"ts":<ms>…`). NaN where a field is missing.
 */
export function readPushTimes(frame: string): { sentAt: number; serverTs: number } {
  let sentAt = Number.NaN;
  const d = frame.indexOf(DATA_FIELD);
  if (d >= 0) {
    const start = d + DATA_FIELD.length;
    const colon = frame.indexOf(':', start);
    if (colon > start) sentAt = Number(frame.slice(start, colon));
  }
  let serverTs = Number.NaN;
  const t = frame.lastIndexOf(TS_FIELD);
  if (t >= 0) {
    let end = t + TS_FIELD.length;
    while (end < frame.length) {
      const c = frame.charCodeAt(end);
      if (c < CH_0 || c > CH_0 + 9) break;
      end++;
    }
    serverTs = Number(frame.slice(t + TS_FIELD.length, end));
  }
  return { sentAt, serverTs };
}

/**
 * The offset between the wall clock (`Date.now()`, what Herald stamps `ts` with) and the
 * monotonic clock, to a few microseconds: each reading `m1, Date.now(), m2` bounds the offset
 * to [d − m2, d + 1 − m1]; the intersection over a few thousand readings is narrow, and a
 * reading interrupted by the scheduler only widens its own bounds. `performance.timeOrigin`
 * alone is off by up to ~1 ms between processes.
 */
const offset = ((): number => {
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  const started = performance.now();
  // Bounded: 5,000 readings, and at least 3 ms so that several millisecond edges are seen.
  for (let i = 0; i < 200_000 && (i < 5000 || performance.now() - started < 3); i++) {
    const m1 = performance.now();
    const d = Date.now();
    const m2 = performance.now();
    low = Math.max(low, d - m2);
    high = Math.min(high, d + 1 - m1);
  }
  return low <= high ? (low + high) / 2 : low;
})();

/** Wall-clock milliseconds with sub-millisecond precision; comparable across processes of one machine. */
export function preciseNow(): number {
  return performance.now() + offset;
}
