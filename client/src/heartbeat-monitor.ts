/**
 * The seed's client heartbeat: after `interval` of silence — nothing sent, nothing received — send
 * `heartbeat`; any push received starts the silence again. No answer within `timeout` → send one
 * more (`retries` times); no answer within another `timeout` → the connection is dead.
 *
 * One timer at a time and no re-arming per message: activity only moves `lastActivity`, and the
 * timer, when it fires early, sleeps for the rest of the silence.
 */
import { Timer, type Clock } from './clock';
import type { HeartbeatSnapshot } from './types';

export interface HeartbeatMonitorOptions {
  /** Milliseconds of silence before a heartbeat. */
  interval: number;
  /** Milliseconds to wait for an answer. */
  timeout: number;
  /** Extra heartbeats after an unanswered one before the connection counts as dead. */
  retries: number;
}

export interface HeartbeatHooks {
  /** Sends one heartbeat; the caller reports its answer through `answered()`. */
  send(): void;
  /** No answer to the last heartbeat either: close the connection. */
  dead(): void;
}

export class HeartbeatMonitor {
  private readonly timer: Timer;
  private lastActivity = 0;
  private running = false;
  /** Heartbeats sent without an answer yet (0: not probing). */
  private unanswered = 0;

  constructor(
    private readonly clock: Clock,
    private options: HeartbeatMonitorOptions,
    private readonly hooks: HeartbeatHooks,
  ) {
    this.timer = new Timer(clock);
  }

  get probing(): boolean {
    return this.unanswered > 0;
  }

  /** The monitor's timers as figures (for `HeraldClient.inspect()`). */
  snapshot(): HeartbeatSnapshot {
    const { interval, timeout, retries } = this.options;
    return { running: this.running, lastActivity: this.lastActivity, unanswered: this.unanswered, interval, timeout, retries };
  }

  start(): void {
    this.running = true;
    this.unanswered = 0;
    this.lastActivity = this.clock.now();
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.unanswered = 0;
    this.timer.clear();
  }

  configure(options: Partial<HeartbeatMonitorOptions>): void {
    this.options = { ...this.options, ...options };
    if (this.running && !this.probing) this.arm();
  }

  /** Something was sent: the server counts it as an interaction. */
  noteSent(): void {
    this.lastActivity = this.clock.now();
  }

  /** Something arrived (a push, any server event): the connection is alive. */
  noteReceived(): void {
    this.lastActivity = this.clock.now();
    if (this.probing) this.answered();
  }

  /** The server answered a heartbeat. */
  answered(): void {
    if (!this.running || !this.probing) return;
    this.unanswered = 0;
    this.arm();
  }

  private arm(): void {
    const due = this.lastActivity + this.options.interval;
    this.timer.set(() => this.onSilence(), due - this.clock.now());
  }

  private onSilence(): void {
    if (!this.running || this.probing) return;
    if (this.clock.now() - this.lastActivity < this.options.interval) {
      this.arm();
      return;
    }
    this.probe();
  }

  private probe(): void {
    this.unanswered += 1;
    this.timer.set(() => this.onNoAnswer(), this.options.timeout);
    this.hooks.send();
  }

  private onNoAnswer(): void {
    if (!this.running) return;
    if (this.unanswered <= this.options.retries) {
      this.probe();
      return;
    }
    this.stop();
    this.hooks.dead();
  }
}
