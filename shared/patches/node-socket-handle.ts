/**
 * Patch of Node.js 20 and 24 (`net.Socket`'s private `_handle`): reaches the raw TCP handle of a socket
 * the primary hands to a worker (server/primary/socket-handoff.ts), to stop reading it before the
 * transfer and to close the primary's copy when the worker dies before acknowledging it.
 *
 * Why: Node keeps reading a socket in the primary until its transfer completes and throws away
 * what it reads in that window (nodejs/node#8353), and closes the primary's copy only on the
 * worker's NODE_HANDLE_ACK; no public API stops either. test/integration/library-patches.test.ts
 * fails when the Node major version or the handle's methods change. Node 24.21.0 was read against
 * 20.20.2: `handleConversion['net.Socket']` in lib/internal/child_process.js (the no-op `onread`,
 * `socket._handle = null`, the close on the ack) is the same text, and the test passes on both.
 */
import type { Socket } from 'node:net';

/** Either Node major: `.ci/run` runs the suite on both. */
export const PINNED = [
  { library: 'node', version: '20' },
  { library: 'node', version: '24' },
] as const;

/** The raw handle's methods used here (a TCPWrap). */
export interface SocketHandle {
  readStop?: () => number;
  close?: () => void;
  /** The file descriptor; -1 once the handle is closed. */
  fd?: number;
}

/** Whether Node has closed the handle (its `fd` reads -1 from then on). */
export function handleClosed(handle: SocketHandle): boolean {
  return handle.fd === -1;
}

/** The socket's raw handle, or undefined once it is closed. */
export function socketHandle(socket: Socket): SocketHandle | undefined {
  return (socket as unknown as { _handle?: SocketHandle | null })._handle ?? undefined;
}
