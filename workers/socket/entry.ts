/**
 * The first code a Socket.IO worker runs (ROLES.worker.entry in shared/process-roles.ts). The
 * primary may hand it a connection (over IPC, from @socket.io/sticky or the TLS balancer) before
 * it has loaded Socket.IO; such messages are held here and replayed once the worker listens for
 * them, so no connection is dropped during start-up.
 */
type Held = [message: unknown, handle: unknown];
const held: Held[] = [];
const hold = (message: unknown, handle: unknown): void => {
  const type = (message as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && (type.startsWith('sticky:') || type === 'herald:tls-connection')) held.push([message, handle]);
};
process.on('message', hold);

/** Called by the worker once its own handlers are installed. */
export function releaseHeldConnections(): void {
  process.off('message', hold);
  for (const [message, handle] of held.splice(0)) process.emit('message', message, handle as import('node:child_process').SendHandle);
}

// Loaded only now, after `hold` listens: Socket.IO and the gateway take a while to load.
/* eslint-disable @typescript-eslint/no-require-imports */
(require('./worker') as typeof import('./worker')).runWorker(releaseHeldConnections);
