/**
 * The seed's operators type EasySwoole's spellings: `-mode=websocket`, `-force`, `-d`, `-f`.
 * Commander reads single-dash words as bundles of short flags, so they are rewritten first:
 * `-mode=…` is accepted and dropped (Herald has one mode), `-force` becomes `--force`, and other
 * single-dash words with `=` (`-pid=1`) become their double-dash form.
 */
export function normalizeSeedArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (/^--?mode(=.*)?$/.test(arg)) continue;
    if (arg === '-force') {
      out.push('--force');
    } else if (/^-[a-zA-Z]{2,}=/.test(arg) || /^-[a-zA-Z]{3,}$/.test(arg)) {
      out.push(`-${arg}`);
    } else {
      out.push(arg);
    }
  }
  return out;
}
