/**
 * The idle rule: a connection whose last interaction (an event from it, a push to it) is more
 * than `idleTimeout` old is kicked. One interval per worker walks the sockets; there is no timer
 * per connection. With the check every `sweepInterval` (≤ 5 s), a silent connection goes between
 * idleTimeout and idleTimeout + sweepInterval after its last interaction.
 *
 * Before login the limit is shorter: a connection that is anonymous (not logged in) and reads no
 * topic is kicked (`idle`, message `not logged in`) `loginTimeoutMs` after it connected, or after
 * the last sweep that saw it logged in or subscribed (a `logout`). One address could otherwise
 * hold thousands of anonymous sockets that each cost a worker ~38 KB.
 */
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { Kicker } from './kicker';
import { subscribedTopics } from './rooms';
import type { HeraldServer, HeraldSocket } from './types';

export interface IdleSweeperOptions {
  /** Milliseconds of silence after which a connection is kicked. @default 180000 (180 s) */
  idleTimeoutMs: number;
  /** Milliseconds between checks. @default 5000 (5 s) */
  intervalMs: number;
  /** Milliseconds an anonymous connection without topics may stay. @default 60000 (60 s) */
  loginTimeoutMs: number;
}

/** The kick's message for an anonymous connection past `loginTimeoutMs`. */
export const NOT_LOGGED_IN = 'not logged in';

export class IdleSweeper {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly io: HeraldServer,
    private readonly kicker: Kicker,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: IdleSweeperOptions,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.clock.setInterval(() => this.sweep(), this.options.intervalMs);
    unrefTimer(this.timer);
  }

  /** A new connection: its pre-login time starts now. */
  track(socket: HeraldSocket): void {
    socket.data.anonymousSince = this.clock.now();
  }

  /** Kicks every idle connection of this worker, and every anonymous one past its time; returns how many. */
  sweep(): number {
    const now = this.clock.now();
    const deadline = now - this.options.idleTimeoutMs;
    const loginDeadline = now - this.options.loginTimeoutMs;
    let kicked = 0;
    for (const socket of this.io.of('/').sockets.values()) {
      if (socket.data.lastActive < deadline) {
        this.kicker.kickLocal(socket, 'idle');
        kicked++;
      } else if (socket.data.uid !== undefined || subscribedTopics(socket.rooms).length > 0) {
        socket.data.anonymousSince = now;
      } else if ((socket.data.anonymousSince ?? now) < loginDeadline) {
        this.kicker.kickLocal(socket, 'idle', NOT_LOGGED_IN);
        kicked++;
      } else if (socket.data.anonymousSince === undefined) {
        socket.data.anonymousSince = now;
      }
    }
    if (kicked > 0) this.logger.debug('idle connections kicked', { count: kicked });
    return kicked;
  }

  close(): void {
    if (this.timer === undefined) return;
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}
