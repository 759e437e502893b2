import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { packageRoot } from '../../../shared/paths';

/**
 * `herald bench [flags]`: a launcher for the benchmark tool (bench/, docs/BENCHMARKS.md), which is
 * not part of the product: it is compiled into dist-dev/ by `npm run build` in a source checkout.
 * This runs that build's bench/main.js with the flags untouched (commander and the seed-spelling
 * rewrite leave them be), or says in one line how to get it.
 */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks from a source checkout (npm run bench -- --help; docs/BENCHMARKS.md)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(() => {
      const main = join(packageRoot(), 'dist-dev', 'bench', 'main.js');
      if (!existsSync(main)) {
        console.error('herald bench: the benchmark tool is not built here; from a source checkout run `npm run build` then `npm run bench -- [flags]`');
        process.exit(1);
      }
      const args = process.argv.slice(process.argv.indexOf('bench') + 1);
      const child = spawn(process.execPath, [main, ...args], { stdio: 'inherit' });
      // Ctrl-C reaches the bench too (same process group); it stops what it started and exits.
      process.on('SIGINT', () => undefined);
      child.once('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
    });
}
