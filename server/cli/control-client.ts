/**
 * The CLI's side of the control socket: one call of the control contract to the running primary
 * (the RPC's envelope, one JSON line each way). With no server running it says so in one line
 * and exits non-zero.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import type { HeraldConfig } from '../../shared/config';
import type { ArgsOf, CliCommand, ResultOf } from '../../shared/control/contract';
import { Rpc } from '../../shared/control/rpc';
import { HeraldError } from '../../shared/errors';
import { controlSocketPath, pidFilePath } from '../primary/host-files';
import { fail } from './output';
import { invokedName } from './invoked-name';

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

/**
 * Calls one command on the running primary, over one connection. Rejects with a HeraldError:
 * the server's refusal as it sent it, NOT_RUNNING when no server answers, TIMEOUT, or IO.
 */
export function sendCommand<K extends CliCommand>(config: HeraldConfig, command: K, args: ArgsOf<K> = {} as ArgsOf<K>, timeoutMs = 120_000): Promise<ResultOf<K>> {
  const path = controlSocketPath(config);
  const socket = createConnection(path);
  const rpc = new Rpc(
    {
      send: (message) => {
        socket.write(`${JSON.stringify(message)}\n`);
      },
    },
    { peer: 'the running server', timeoutError: (_command, ms) => new HeraldError('TIMEOUT', `no answer from the running server within ${ms / 1000} s`) },
  );
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    const notRunning = err.code === 'ENOENT' || err.code === 'ECONNREFUSED';
    rpc.close(notRunning ? new HeraldError('NOT_RUNNING', `herald is not running (no server answers at ${path})`) : new HeraldError('IO', err.message, { cause: err }));
  });
  socket.on('end', () => {
    let reply: unknown;
    try {
      reply = JSON.parse(buffer);
    } catch {
      reply = undefined;
    }
    if (!rpc.receive(reply)) rpc.close(new HeraldError('IO', 'the server sent an unreadable answer'));
  });
  // Written once connected (the socket buffers it); the call's own timer bounds the wait.
  return rpc.call(command, args, timeoutMs).finally(() => socket.destroy());
}

/** sendCommand, turning a refusal into the CLI's one-line error. */
export async function commandOrFail<K extends CliCommand>(config: HeraldConfig, command: K, args: ArgsOf<K> = {} as ArgsOf<K>, timeoutMs?: number): Promise<ResultOf<K>> {
  try {
    return await sendCommand(config, command, args, timeoutMs);
  } catch (err) {
    if (err instanceof HeraldError) fail(err.code === 'NOT_RUNNING' ? `${err.message}; start it with ${invokedName()} server start -d` : err.message, 1);
    throw err;
  }
}
