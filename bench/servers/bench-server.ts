/** What the scenarios need from a server under test, whichever it is (Herald or a baseline). */

/** One Socket.IO worker process of a server. */
export interface WorkerInfo {
  pid: number;
  connections: number;
  /** V8 heap in use, bytes (`process.memoryUsage().heapUsed`). */
  heapUsed: number;
}

export type ServerKind = 'herald' | 'stock-cluster' | 'stock-single';

export interface BenchServer {
  readonly kind: ServerKind;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The process at the top of the server's tree (primary, or the single process). */
  readonly rootPid: number;
  /** Whether clients log in after connecting (the baselines have no login). */
  readonly login: boolean;
  /** Sends one message to every connection: Herald `POST /api/v1/push {to:{all:true}}`, the baselines `POST /broadcast` (io.emit). */
  broadcast(data: string): Promise<void>;
  /** The Socket.IO workers, their connections and heap. */
  workers(): Promise<WorkerInfo[]>;
  /** Stops the whole tree; idempotent. */
  stop(): Promise<void>;
}

/** Waits for `child` to exit, at most `ms`; true when it did. */
export function waitForExit(child: import('node:child_process').ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** SIGKILL to the process group of a detached child, and to the child itself. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Waits until no process of a detached child's group is left (workers writing CPU profiles on exit), at most `ms`. */
export async function waitForGroupExit(pid: number | undefined, ms: number): Promise<void> {
  if (pid === undefined) return;
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(-pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
