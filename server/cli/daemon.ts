/**
 * `herald server start -d`: starts the host detached from the terminal (its own session and
 * process group), waits until it listens, prints where it is, and leaves it running. Its output
 * goes to `<dataDir>/logs/herald.log`; the pid file and the control socket are under `<dataDir>/run`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HeraldConfig } from '../../shared/config';
import { packageRoot } from '../../shared/paths';
import type { ReadyNotice } from '../cluster/ipc';
import { logFilePath } from '../primary/host-files';

/** Seconds to wait for the daemon to listen. */
const START_TIMEOUT_S = 60;

export interface DaemonStarted {
  pid: number;
  port: number;
  logFile: string;
}

export function startDaemon(config: HeraldConfig): Promise<DaemonStarted> {
  const logFile = logFilePath(config);
  const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'herald.js'), 'server', 'start', '--daemonized'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { ...process.env, PUSH_ENV: config.env },
    cwd: process.cwd(),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`the server did not start within ${START_TIMEOUT_S} s; see ${logFile}`));
    }, START_TIMEOUT_S * 1000);
    child.on('message', (message: ReadyNotice) => {
      if (message?.type !== 'herald:host-ready') return;
      clearTimeout(timer);
      child.disconnect();
      child.unref();
      resolve({ pid: message.pid, port: message.port, logFile });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}) before it was ready:\n${tail(logFile, 10)}`));
    });
  });
}

/** The last lines of a file, for an error message. */
function tail(path: string, lines: number): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
