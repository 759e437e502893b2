/** Plain-text tables and the units `process show -d` uses. */

export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => String(cell)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(cells[0] as string[]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

/** Bytes as `12.3 MB` (formatted) or the raw number. */
export function memory(bytes: number, formatted: boolean): string {
  return formatted ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : String(bytes);
}

/**
 * A time as `2026-11-26 12:00:00 +08:00` (formatted: this machine's local time with its UTC
 * offset, so a reader on another host or in a ticket knows which moment it was) or unix seconds.
 */
export function time(ms: number | null, formatted: boolean): string {
  if (ms === null) return '-';
  if (!formatted) return String(Math.floor(ms / 1000));
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const zone = `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/** Item/value pairs, one per line, as `server status` prints them. */
export function formatItems(items: [string, string | number][]): string {
  const width = Math.max(...items.map(([k]) => k.length));
  return items.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}
