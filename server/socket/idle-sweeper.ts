/**
 * The idle rule: a connection whose last interaction (an event from it, a push to it) is more
 * than `idleTimeout` old is kicked. One interval per worker walks the sockets; there is no timer
 * per connection. With the check every `sweepInterval` (≤ 5 s), a silent connection goes between
 * idleTimeout and idleTimeout + sweepInterval after its last interaction.
 */
import { unrefTimer, type Clock, type TimerHandle } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { Kicker } from './kicker';
import type { HeraldServer } from './types';

export interface IdleSweeperOptions {
  /** Milliseconds of silence after which a connection is kicked. @default 180000 (180 s) */
  idleTimeoutMs: number;
  /** Milliseconds between checks. @default 5000 (5 s) */
  intervalMs: number;
}

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

  /** Kicks every idle connection of this worker; returns how many. */
  sweep(): number {
    const deadline = this.clock.now() - this.options.idleTimeoutMs;
    let kicked = 0;
    for (const socket of this.io.of('/').sockets.values()) {
      if (socket.data.lastActive < deadline) {
        this.kicker.kickLocal(socket, 'idle');
        kicked++;
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
