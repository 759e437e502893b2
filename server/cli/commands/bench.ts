import type { Command } from 'commander';

/**
 * `herald bench [flags]`: the benchmark tool (bench/, docs/BENCHMARKS.md). Its flags (`-n`, `-d`,
 * `--all`…) are handed over untouched, so commander and the seed-spelling rewrite leave them be.
 */
export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('run the benchmarks (see docs/BENCHMARKS.md; herald bench --help for the flags)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[flags...]')
    .action(async () => {
      const { runBench } = (await import('../../../bench/cli')) as typeof import('../../../bench/cli');
      const args = process.argv.slice(process.argv.indexOf('bench') + 1);
      process.exit(await runBench(args));
    });
}
