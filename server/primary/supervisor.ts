/**
 * The primary's child processes: a fixed set of slots per role (Socket.IO workers, task
 * processes, the cron process), each holding the process that currently serves it.
 *
 * - A child that crashes is brought back after the respawn policy's back-off; one an operator
 *   killed (`process kill`) comes back at once.
 * - `replace` is one step of a rolling reload: the slot's new process is forked and must report
 *   ready before the old one is told to drain, so the host never stops accepting.
 * - Only ready, serving processes are offered to the balancers (`current`); a draining one
 *   keeps only the sessions it already has.
 */
import cluster, { type Worker } from 'node:cluster';
import { HeraldError } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import type { PrimaryToWorker, ShutdownReason } from '../cluster/ipc';
import { entryPath, nodeIdOf, processName, type ChildRole } from '../../shared/process-roles';
import type { HostMonitor } from './host-monitor';
import { RespawnPolicy } from './respawn-policy';
import { stopReadingBeforeHandoff } from './socket-handoff';

export interface Child {
  worker: Worker;
  role: ChildRole;
  index: number;
  pid: number;
  nodeId: string;
  name: string;
  startedAt: number;
  ready: boolean;
  /** Its exit is expected: replaced by a reload, or its slot was removed. */
  retiring: boolean;
  /** Killed by an operator: respawn at once, not after a back-off. */
  deliberate: boolean;
  /** The Node options it was forked with (`process show`: its title hides them from `ps`). */
  execArgv: readonly string[];
}

interface Slot {
  role: ChildRole;
  index: number;
  current?: Child;
  respawnTimer?: NodeJS.Timeout;
  /** When the pending respawn forks (ms since epoch). */
  respawnAt?: number;
}

/** Milliseconds a forked process is expected to take to get ready (a worker: ~1 s on a busy host). */
const STARTING_GRACE_MS = 10_000;

export interface SupervisorHooks {
  /** A child exited (crash, kill, drain, reload); its presence and stats must go. */
  onExit(child: Child, code: number | null, signal: string | null): void;
  /** The Node options a role's next process is forked with (the configuration as of now). */
  execArgv(role: ChildRole): string[];
}

export class Supervisor {
  private readonly slots: Slot[] = [];
  private readonly byWorker = new Map<number, Child>();
  private readonly respawn = new RespawnPolicy();
  private stopping = false;

  constructor(
    private readonly hostId: string,
    private readonly logger: Logger,
    private readonly monitor: HostMonitor,
    private readonly hooks: SupervisorHooks,
  ) {
    cluster.on('exit', this.onExit);
  }

  /** Adds slots of a role and forks their processes. */
  grow(role: ChildRole, count: number): void {
    const existing = this.slots.filter((s) => s.role === role).length;
    for (let index = existing; index < count; index++) {
      const slot: Slot = { role, index };
      this.slots.push(slot);
      slot.current = this.fork(slot);
    }
  }

  /** Drains and removes the slots of a role beyond `count`. */
  async shrink(role: ChildRole, count: number, timeoutMs: number): Promise<Child[]> {
    const extra = this.slots.filter((s) => s.role === role && s.index >= count);
    const retired: Child[] = [];
    for (const slot of extra) {
      this.slots.splice(this.slots.indexOf(slot), 1);
      if (slot.respawnTimer !== undefined) clearTimeout(slot.respawnTimer);
      if (slot.current !== undefined) {
        retired.push(slot.current);
        await this.drain(slot.current, 'reload', timeoutMs);
      }
    }
    return retired;
  }

  slotCount(role: ChildRole): number {
    return this.slots.filter((s) => s.role === role).length;
  }

  /** Every live child (draining ones too), optionally of one role. */
  children(role?: ChildRole): Child[] {
    return [...this.byWorker.values()].filter((c) => role === undefined || c.role === role);
  }

  /** The serving, ready process of each slot of a role (not one that was told to drain). */
  current(role: ChildRole): Child[] {
    return this.slots.filter((s) => s.role === role && serving(s.current)).map((s) => s.current as Child);
  }

  /**
   * Slots of a role with no serving process that should have one soon: its process was forked
   * less than 10 s ago and is starting, or its respawn is due within `withinMs`. The balancer
   * holds their share of new connections for them (sticky-balancer.ts).
   */
  upcoming(role: ChildRole, withinMs: number): number[] {
    const now = Date.now();
    return this.slots
      .filter((s) => {
        const child: Child | undefined = s.current;
        if (s.role !== role || (child !== undefined && child.ready && !child.retiring)) return false;
        if (child !== undefined) return !child.retiring && !child.worker.isDead() && now - child.startedAt < STARTING_GRACE_MS;
        return s.respawnAt !== undefined && s.respawnAt - now <= withinMs;
      })
      .map((s) => s.index);
  }

  /** The serving process of slot `hash mod slots` of a role, or the next ready one. */
  pickByHash(role: ChildRole, hash: number): Child | undefined {
    const slots = this.slots.filter((s) => s.role === role);
    for (let i = 0; i < slots.length; i++) {
      const child = slots[(hash + i) % slots.length]?.current;
      if (serving(child)) return child;
    }
    return undefined;
  }

  /** The child a cluster worker is, while it lives. */
  childOf(worker: Worker): Child | undefined {
    return this.byWorker.get(worker.id);
  }

  findByPid(pid: number): Child | undefined {
    return this.children().find((c) => c.pid === pid);
  }

  /** A child said it is ready. */
  markReady(worker: Worker, nodeId: string): Child | undefined {
    const child = this.byWorker.get(worker.id);
    if (child === undefined) return undefined;
    child.ready = true;
    child.nodeId = nodeId;
    this.monitor.onReady(nodeId);
    return child;
  }

  /** Resolves true once every slot's process is ready, false after `timeoutMs`. */
  async waitAllReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.slots.every((s) => s.current?.ready === true)) return true;
      await sleep(20);
    }
    return false;
  }

  /**
   * Stops a child on an operator's request: gracefully (it drains its clients, who reconnect
   * elsewhere) or with SIGKILL. Its slot gets a new process at once.
   */
  kill(child: Child, force: boolean): void {
    child.deliberate = true;
    if (force) {
      child.worker.process.kill('SIGKILL');
      return;
    }
    // Out of rotation while it drains: new connections and tasks go to the others.
    child.retiring = true;
    this.monitor.onStopping(child.nodeId);
    this.send(child, { type: 'herald:shutdown', reason: 'reload' });
  }

  /**
   * One step of a rolling reload: forks the slot's new process, waits for it to be ready, makes
   * it the slot's, then drains the old one. Throws (and kills the new one) if it never gets ready.
   */
  async replace(role: ChildRole, index: number, readyTimeoutMs: number, drainTimeoutMs: number): Promise<{ old?: Child; next: Child }> {
    const slot = this.slots.find((s) => s.role === role && s.index === index);
    if (slot === undefined) throw new HeraldError('INTERNAL', `reload: no ${role} slot ${index} to replace`);
    if (this.stopping) throw new HeraldError('UNAVAILABLE', 'the host is stopping; the reload was abandoned');
    const next = this.fork(slot);
    const deadline = Date.now() + readyTimeoutMs;
    while (!next.ready && Date.now() < deadline && !next.worker.isDead()) await sleep(20);
    if (!next.ready) {
      next.retiring = true;
      next.worker.process.kill('SIGKILL');
      // Processes replaced before this one stay; this slot's old process keeps serving.
      throw new HeraldError(
        'UNAVAILABLE',
        `reload stopped: the new ${processName(role, index)} did not get ready within ${readyTimeoutMs / 1000} s (see its log); the old one keeps running, later processes were not replaced`,
      );
    }
    const old = slot.current;
    slot.current = next;
    if (old !== undefined) await this.drain(old, 'reload', drainTimeoutMs);
    return { old, next };
  }

  /** Tells every child to stop; kills what is left after `timeoutMs`. */
  async stopAll(timeoutMs: number): Promise<number> {
    this.stopping = true;
    for (const slot of this.slots) if (slot.respawnTimer !== undefined) clearTimeout(slot.respawnTimer);
    for (const child of this.children()) this.send(child, { type: 'herald:shutdown', reason: 'shutdown' });
    const deadline = Date.now() + timeoutMs;
    while (this.children().length > 0 && Date.now() < deadline) await sleep(50);
    const stragglers = this.children();
    for (const child of stragglers) child.worker.process.kill('SIGKILL');
    while (this.children().length > 0) await sleep(20);
    cluster.off('exit', this.onExit);
    return stragglers.length;
  }

  send(child: Child, message: PrimaryToWorker): void {
    if (!child.worker.isConnected()) return;
    try {
      child.worker.send(message, undefined, (err: Error | null) => {
        if (err !== null) this.logger.debug('message to a child failed', { child: child.name, error: err.message });
      });
    } catch (err) {
      // A message that cannot be serialized (too deep) is dropped, never thrown in the primary.
      this.logger.warn('a message to a child could not be sent; dropped', { child: child.name, type: message.type, error: (err as Error).message });
    }
  }

  private fork(slot: Slot): Child {
    // A respawn still pending (a crash-looping slot waits) must not fork a second process later.
    if (slot.respawnTimer !== undefined) clearTimeout(slot.respawnTimer);
    slot.respawnTimer = undefined;
    slot.respawnAt = undefined;
    // The role's own entry file and Node options (shared/process-roles.ts); settings given to setupPrimary apply to the next fork.
    const execArgv = this.hooks.execArgv(slot.role);
    cluster.setupPrimary({ exec: entryPath(slot.role), execArgv });
    const worker = cluster.fork({ HERALD_WORKER_INDEX: String(slot.index) });
    stopReadingBeforeHandoff(worker);
    const pid = worker.process.pid ?? 0;
    const child: Child = {
      worker,
      role: slot.role,
      index: slot.index,
      pid,
      nodeId: nodeIdOf(this.hostId, slot.role, slot.index, pid),
      name: processName(slot.role, slot.index),
      startedAt: Date.now(),
      ready: false,
      retiring: false,
      deliberate: false,
      execArgv,
    };
    this.byWorker.set(worker.id, child);
    this.monitor.onStarting(child.nodeId, slot.role, slot.index, pid, child.startedAt);
    return child;
  }

  /** Takes a child out of rotation and tells it to stop; SIGKILL after `timeoutMs`. */
  private async drain(child: Child, reason: ShutdownReason, timeoutMs: number): Promise<void> {
    child.retiring = true;
    this.monitor.onStopping(child.nodeId);
    this.send(child, { type: 'herald:shutdown', reason });
    const deadline = Date.now() + timeoutMs;
    while (!child.worker.isDead() && Date.now() < deadline) await sleep(20);
    if (!child.worker.isDead()) {
      this.logger.warn('a draining process did not stop in time; killing it', { process: child.name, pid: child.pid });
      child.worker.process.kill('SIGKILL');
      while (!child.worker.isDead()) await sleep(20);
    }
  }

  private readonly onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    const child = this.byWorker.get(worker.id);
    if (child === undefined) return;
    this.byWorker.delete(worker.id);
    this.hooks.onExit(child, code, signal);
    const slot = this.slots.find((s) => s.current === child);
    if (slot === undefined || this.stopping) return;
    slot.current = undefined;
    const lived = Date.now() - child.startedAt;
    const key = `${slot.role}:${slot.index}`;
    const delay = child.deliberate ? 0 : this.respawn.delayAfterExit(key, lived);
    if (!child.deliberate) {
      this.logger.warn('a process exited; respawning', {
        process: child.name,
        pid: child.pid,
        code,
        signal,
        livedMs: lived,
        respawnInMs: delay,
        quickFailures: this.respawn.failuresOf(key),
      });
    }
    slot.respawnAt = Date.now() + delay;
    slot.respawnTimer = setTimeout(() => {
      if (!this.stopping && this.slots.includes(slot) && slot.current === undefined) slot.current = this.fork(slot);
    }, delay);
  };
}

/** Ready, and not told to drain. */
function serving(child: Child | undefined): child is Child {
  return child !== undefined && child.ready && !child.retiring;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
