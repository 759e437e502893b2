/** Runs the `herald` command as an operator would, without blocking this process. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../shared/paths';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function herald(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(packageRoot(), 'bin', 'herald.js'), ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `herald … --json` and parses what it printed. */
export async function heraldJson<T = any>(args: string[], env: Record<string, string>): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const result = await herald([...args, '--json'], env);
  if (result.code !== 0) throw new Error(`herald ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}
