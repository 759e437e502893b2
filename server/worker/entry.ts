/**
 * The first code a worker runs. The primary may hand this process a connection (over IPC, from
 * @socket.io/sticky) before the worker has loaded Socket.IO; such messages are held here and
 * replayed once the worker listens for them, so no connection is dropped during start-up.
 * Everything else is loaded after the buffer is in place.
 */
type Held = [message: unknown, handle: unknown];
const held: Held[] = [];
const hold = (message: unknown, handle: unknown): void => {
  const type = (message as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type.startsWith('sticky:')) held.push([message, handle]);
};
process.on('message', hold);

/** Called by the worker once sticky's own handler is installed. */
export function releaseHeldConnections(): void {
  process.off('message', hold);
  for (const [message, handle] of held.splice(0)) process.emit('message', message, handle as import('node:child_process').SendHandle);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runWorker } = require('./worker') as typeof import('./worker');
runWorker(releaseHeldConnections);
