/**
 * The first code a child process runs. The primary may hand a worker a connection (over IPC,
 * from @socket.io/sticky or the TLS balancer) before the worker has loaded Socket.IO; such
 * messages are held here and replayed once the worker listens for them, so no connection is
 * dropped during start-up. Then the process becomes what HERALD_ROLE says.
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

/* eslint-disable @typescript-eslint/no-require-imports */
switch (process.env.HERALD_ROLE) {
  case 'task':
    process.off('message', hold);
    (require('../../workers/task/task-process') as typeof import('../../workers/task/task-process')).runTaskProcess();
    break;
  case 'cron':
    process.off('message', hold);
    (require('../../workers/cron/cron-process') as typeof import('../../workers/cron/cron-process')).runCronProcess();
    break;
  default:
    (require('./worker') as typeof import('./worker')).runWorker(releaseHeldConnections);
}
