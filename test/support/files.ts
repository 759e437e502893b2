/** Lists files of a folder tree, for the tests that look at the build output and the sources. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dir` whose name ends with one of `suffixes`, skipping node_modules. */
export function filesUnder(dir: string, suffixes: readonly string[], out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, suffixes, out);
    else if (suffixes.some((suffix) => name.endsWith(suffix))) out.push(path);
  }
  return out;
}
