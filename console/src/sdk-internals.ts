/**
 * What the test tool reads from inside a HeraldClient that the SDK does not publish: the current
 * socket (to send any event on the SDK's own connection, and to show the transport in use) and
 * the heartbeat monitor's timers. The console ships with this very bundle, and the browser test
 * (test/integration/console-browser.test.ts) fails when these fields move; everything else the
 * page shows comes from the SDK's public API and lifecycle events.
 */
import type { HeraldClient } from 'herald-sdk';
import type { Socket } from 'socket.io-client';

export interface HeartbeatView {
  /** Whether the monitor runs (a connection is up and heartbeats are on). */
  running: boolean;
  /** ms since epoch of the last event sent or received. */
  lastActivity: number;
  /** Heartbeats sent without an answer yet. */
  unanswered: number;
  /** ms of silence before a heartbeat. */
  interval: number;
  /** ms to wait for an answer. */
  timeout: number;
}

interface Internals {
  socket?: Socket | null;
  heartbeat?: {
    running?: unknown;
    lastActivity?: unknown;
    unanswered?: unknown;
    options?: { interval?: unknown; timeout?: unknown };
  };
}

const peek = (client: HeraldClient) => client as unknown as Internals;

/** The socket of the current connection, or null between connections. */
export function currentSocket(client: HeraldClient): Socket | null {
  const socket = peek(client).socket;
  return socket !== undefined && socket !== null && typeof socket.emit === 'function' ? socket : null;
}

/** The heartbeat monitor's state, or null when this SDK build does not have the fields. */
export function heartbeatView(client: HeraldClient): HeartbeatView | null {
  const monitor = peek(client).heartbeat;
  if (monitor === undefined) return null;
  const { running, lastActivity, unanswered, options } = monitor;
  if (typeof running !== 'boolean' || typeof lastActivity !== 'number' || typeof unanswered !== 'number') return null;
  if (typeof options?.interval !== 'number' || typeof options.timeout !== 'number') return null;
  return { running, lastActivity, unanswered, interval: options.interval, timeout: options.timeout };
}
