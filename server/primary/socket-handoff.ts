/**
 * Makes handing a TCP connection to a worker lossless.
 *
 * @socket.io/sticky reads the first chunk of a connection in the primary, then sends the socket
 * to a worker with `worker.send(message, socket)`. Node keeps reading the socket in the primary
 * until the transfer completes, and throws away whatever it reads in that window (the handle's
 * `onread` is replaced by a no-op; nodejs/node#8353). A websocket client that sends its first
 * frame right after the upgrade then loses it: measured here, about 3% of socket.io-client
 * websocket connections hung after the Engine.IO open packet. Stopping the read on the handle
 * before the transfer leaves those bytes in the kernel, where the worker reads them.
 */
import type { Worker } from 'node:cluster';
import { Socket } from 'node:net';

interface ReadableHandle {
  readStop?: () => number;
}

export function stopReadingBeforeHandoff(worker: Worker): void {
  const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
  (worker as { send: (...args: unknown[]) => boolean }).send = (message: unknown, handle?: unknown, ...rest: unknown[]) => {
    if (handle instanceof Socket) {
      (handle as unknown as { _handle?: ReadableHandle | null })._handle?.readStop?.();
    }
    return send(message, handle, ...rest);
  };
}
