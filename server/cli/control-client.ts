/**
 * The CLI's side of the control socket: one JSON line to the running primary, one back. With no
 * server running it says so in one line and exits non-zero.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { HeraldConfig } from '../../shared/config';
import { controlSocketPath, pidFilePath } from '../primary/host-files';
import { fail } from './output';

export { pidFilePath };

/**
 * The pid in the pid file, if the file exists and that process is alive and is Herald's: a pid
 * file left by a primary that died (SIGKILL, OOM) may name a pid some other program has since
 * been given, which `stop -force` must not kill.
 */
export function livePid(config: HeraldConfig): number | undefined {
  const file = pidFilePath(config);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  return isHeraldProcess(pid) ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the process's command line is Herald's (its title or bin/herald.js); true where /proc is missing. */
function isHeraldProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('herald');
  } catch {
    return !existsSync('/proc/self/cmdline');
  }
}

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one command; rejects with ControlError for the server's refusals, or when no server answers. */
export function sendCommand<T = unknown>(config: HeraldConfig, command: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
  const path = controlSocketPath(config);
  return new Promise<T>((resolve, reject) => {
    const socket = createConnection(path);
    let buffer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ControlError('TIMEOUT', `no answer from the running server within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(`${JSON.stringify({ command, args })}\n`));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const notRunning = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
      reject(new ControlError(notRunning ? 'NOT_RUNNING' : 'IO', notRunning ? `herald is not running (no server answers at ${path})` : err.message));
    });
    socket.on('end', () => {
      clearTimeout(timer);
      let reply: { ok: boolean; result?: T; error?: { code: string; message: string } };
      try {
        reply = JSON.parse(buffer) as typeof reply;
      } catch {
        reject(new ControlError('IO', 'the server sent an unreadable answer'));
        return;
      }
      if (reply.ok) resolve(reply.result as T);
      else reject(new ControlError(reply.error?.code ?? 'INTERNAL', reply.error?.message ?? 'failed'));
    });
  });
}

/** sendCommand, turning a refusal into the CLI's one-line error. */
export async function commandOrFail<T = unknown>(config: HeraldConfig, command: string, args: Record<string, unknown> = {}, timeoutMs?: number): Promise<T> {
  try {
    return await sendCommand<T>(config, command, args, timeoutMs);
  } catch (err) {
    if (err instanceof ControlError) fail(err.message, 1);
    throw err;
  }
}
