/**
 * Makes handing a TCP connection to a worker lossless.
 *
 * @socket.io/sticky reads the first chunk of a connection in the primary, then sends the socket
 * to a worker with `worker.send(message, socket)`. Node keeps reading the socket in the primary
 * until the transfer completes, and throws away whatever it reads in that window (the handle's
 * `onread` is replaced by a no-op; nodejs/node#8353). A websocket client that sends its first
 * frame right after the upgrade then loses it: measured here, about 3% of socket.io-client
 * websocket connections hung after the Engine.IO open packet. Stopping the read on the handle
 * before the transfer leaves those bytes in the kernel, where the worker reads them (the raw handle
 * is Node's private `_handle`: shared/patches/node-socket-handle.ts).
 *
 * It also makes sure no connection hangs on a dead worker. The primary's copy of a handed socket
 * stays open until the worker acknowledges the hand-off (Node closes it on NODE_HANDLE_ACK); a
 * worker killed before that never does, and the client — an API call in flight, a handshake —
 * waited for its own timeout (about 1 in 3 `kill -9` runs left three calls hanging 8 s). When a
 * worker exits, the primary closes every copy it may still hold of sockets handed to it: the
 * client sees the connection close at once and retries (a push with its Idempotency-Key safely).
 * A copy the worker had acknowledged is already closed, so this touches nothing else.
 *
 * A copy is forgotten as soon as Node closes it on the worker's acknowledgement. Kept until the next hand-off instead, a burst's
 * last seconds of sockets stayed in the primary's heap for as long as no new connection came: 10,262
 * `net.Socket`s (~15 MB, 0.75 KB per connection) after 20,000 idle clients had connected.
 */
import type { Worker } from 'node:cluster';
import { Socket } from 'node:net';
import { handleClosed, socketHandle, type SocketHandle } from '../../shared/patches/node-socket-handle';

/** How long a handed socket's primary copy is tracked: acknowledgements come within milliseconds. */
const TRACK_MS = 10_000;

export function stopReadingBeforeHandoff(worker: Worker): { tracked(): number } {
  const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
  /** Raw handles of sockets handed to this worker, with when; Node closes each on the worker's ack. */
  const inFlight = new Map<SocketHandle, number>();
  /**
   * Forgets the oldest copies while Node has closed them (on the worker's ack) or they are older
   * than TRACK_MS (a transfer that never completed). Handles go one at a time, in order, so the
   * walk stops at the first copy still in flight: O(1) per call, even with a burst queued.
   */
  const forget = (now: number): void => {
    for (const [raw, at] of inFlight) {
      if (!handleClosed(raw) && now - at < TRACK_MS) break;
      inFlight.delete(raw);
    }
  };
  (worker as { send: (...args: unknown[]) => boolean }).send = (message: unknown, handle?: unknown, ...rest: unknown[]) => {
    if (handle instanceof Socket) {
      const raw = socketHandle(handle);
      raw?.readStop?.();
      if (raw !== undefined) {
        const now = Date.now();
        forget(now);
        inFlight.set(raw, now);
      }
    }
    return send(message, handle, ...rest);
  };
  // Node's own 'internalMessage' listener runs first and closes the acknowledged copy.
  worker.process.on('internalMessage', (message: { cmd?: unknown } | null) => {
    if (message?.cmd === 'NODE_HANDLE_ACK' || message?.cmd === 'NODE_HANDLE_NACK') forget(Date.now());
  });
  worker.once('exit', () => {
    // Closing a handle Node already closed after the ack is a no-op (HandleWrap::Close).
    for (const raw of inFlight.keys()) {
      try {
        raw.close?.();
      } catch {
        // already gone
      }
    }
    inFlight.clear();
  });
  return { tracked: () => inFlight.size };
}
