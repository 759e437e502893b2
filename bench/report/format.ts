/** Numbers as the tables show them (KB = 1,024 bytes). */
import type { Unit } from '../scenarios/scenario';

const grouped = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function formatValue(value: number | null | undefined, unit: Unit): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  switch (unit) {
    case 'bytes':
      return Math.abs(value) >= 1024 ? `${(value / 1024).toFixed(1)} KB` : `${Math.round(value)} B`;
    case 'mib':
      return `${(value / 2 ** 20).toFixed(1)} MiB`;
    case 'us':
      return `${value.toFixed(value < 10 ? 2 : 1)} µs`;
    case 'ms':
      return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
    case 's':
      return `${value.toFixed(1)} s`;
    case 'per-s':
      return `${grouped(value)}/s`;
    case 'count':
      return grouped(value);
    case 'ratio':
      return `${value.toFixed(2)}×`;
    case 'number':
      return value.toFixed(2);
    case 'percent':
      return `${value.toFixed(1)} %`;
  }
}
