/**
 * What a socket event handler is given besides its payload: the socket, and a place to leave
 * work that must run right after the answer is sent. The login's replay uses it: stored messages
 * must reach the client after the login answer and before live pushes (docs/PROTOCOL.md).
 *
 * The router makes one per request (the only allocation it adds per event) and one for a login
 * that rode on the handshake; handlers and the session code never import the router.
 */
import type { HeraldSocket } from './types';

export class EventContext {
  private after: (() => void) | undefined = undefined;

  constructor(readonly socket: HeraldSocket) {}

  /**
   * Runs `fn` right after the success answer is sent; never when the request fails. Several
   * calls run in the order they were made.
   */
  afterAnswer(fn: () => void): void {
    const before = this.after;
    this.after = before === undefined ? fn : () => {
      before();
      fn();
    };
  }

  /** Called once by whoever sent the success answer. */
  answered(): void {
    const after = this.after;
    this.after = undefined;
    after?.();
  }
}
