/**
 * `herald server reload` is carried out by the running primary, which re-reads the configuration
 * files with the environment it was started with: `HERALD_PORT=… herald server reload` changes
 * nothing. This finds the `HERALD_*` variables of the CLI's environment that the reload will not
 * see, so the command can say so (docs/OPERATIONS.md, "Reload").
 */
import { readFileSync } from 'node:fs';

/** The CLI needs it to find the running primary (its run folder); it is not a setting to change. */
const LOCATING_VARIABLES: ReadonlySet<string> = new Set(['HERALD_DATA_DIR']);

export interface IgnoredVariables {
  /** Names only, sorted: values may be secrets (HERALD_JWT_SECRET). */
  names: string[];
  /** True when the primary's environment was read and only differing variables are named. */
  compared: boolean;
}

/**
 * The `HERALD_*` variables set in `cli` that reload ignores: those whose value differs from the
 * primary's (`primary` known), or every one (`primary` undefined: it could not be read).
 */
export function ignoredByReload(cli: NodeJS.ProcessEnv, primary: Readonly<Record<string, string>> | undefined): IgnoredVariables {
  const names = Object.keys(cli)
    .filter((name) => name.startsWith('HERALD_') && !LOCATING_VARIABLES.has(name) && cli[name] !== undefined && cli[name] !== '')
    .filter((name) => primary === undefined || primary[name] !== cli[name])
    .sort();
  return { names, compared: primary !== undefined };
}

/** The environment a process was started with (Linux /proc; same user), or undefined. */
export function processEnvironment(pid: number): Record<string, string> | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const env: Record<string, string> = {};
  for (const entry of raw.split('\0')) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/** The stderr line for `names`, or undefined when there is nothing to say. */
export function reloadWarning(ignored: IgnoredVariables, pid: number | undefined): string | undefined {
  if (ignored.names.length === 0) return undefined;
  const primary = pid !== undefined ? `the running primary (pid ${pid})` : 'the running primary';
  const one = ignored.names.length === 1;
  const which = ignored.compared ? `${one ? 'differs' : 'differ'} from the primary's and ${one ? 'is' : 'are'} ignored` : one ? 'is ignored' : 'are ignored';
  return (
    `herald: warning: ${ignored.names.join(', ')} in this shell ${which}: ${primary} re-reads config/<env>/*.json ` +
    `with the environment it was started with. To change ${one ? 'it' : 'them'}, stop the host and start it with the new ${one ? 'value' : 'values'}.`
  );
}
