/**
 * The name the user typed to run Herald, so that help, usage, errors and the start banner show
 * commands they can paste as they are: `herald` is on PATH only after `npm link` or a global
 * install, while a checkout runs `npx herald` or `node bin/herald.js`.
 *
 * In order:
 * 1. `HERALD_CLI_NAME`, for wrappers (a systemd unit, a script with its own name);
 * 2. `npx herald` when npm ran Herald directly: `npx herald …` / `npm exec herald` (the
 *    script npm runs is `herald`) and `npm start` (the script is `node bin/herald.js …`). A
 *    process started from inside some other npm script (mocha under `npx mocha`) inherits npm's
 *    variables but not that script, so it falls through;
 * 3. `node <path>` when the script is `herald.js` itself: the path relative to the working
 *    directory when it lies below it (`node bin/herald.js`), else absolute;
 * 4. the file name of the command (`herald` from PATH, after `npm link`).
 */
import { basename, isAbsolute, relative } from 'node:path';

/** What invokedName reads; process.env, process.argv and process.cwd() by default. */
export interface Invocation {
  env: Readonly<Record<string, string | undefined>>;
  /** process.argv: [node, script, …args]. */
  argv: readonly string[];
  cwd: string;
}

export const CLI_NAME_VARIABLE = 'HERALD_CLI_NAME';

export function invokedName(invocation: Invocation = { env: process.env, argv: process.argv, cwd: process.cwd() }): string {
  const { env, argv, cwd } = invocation;
  const configured = env[CLI_NAME_VARIABLE]?.trim();
  if (configured !== undefined && configured !== '') return configured;
  const script = argv[1];
  const npmScript = env.npm_lifecycle_script;
  if (env.npm_command !== undefined && npmScript !== undefined && /^(herald|node\s+\S*herald\.js)(\s|$)/.test(npmScript.trim())) return 'npx herald';
  if (script === undefined || script === '') return 'herald';
  if (basename(script) === 'herald.js') {
    const below = relative(cwd, script);
    const shown = below !== '' && !below.startsWith('..') && !isAbsolute(below) ? below : script;
    return `node ${/\s/.test(shown) ? JSON.stringify(shown) : shown}`;
  }
  return basename(script);
}
