/** Prints one line to stderr and exits non-zero: how every CLI error ends. */
export function fail(message: string, code = 2): never {
  console.error(`herald: ${message}`);
  process.exit(code);
}
