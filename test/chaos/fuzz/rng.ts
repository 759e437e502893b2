/**
 * Seeded randomness for the fuzz run: every case draws from its own generator, seeded from
 * (run seed, target, case number), so any one case can be generated again alone from the seed
 * printed by the run (`--seed S --target T --case N`).
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** The generator of case `index` of `target` in run `seed`. */
  static forCase(seed: number, target: string, index: number): Rng {
    let h = seed >>> 0;
    for (const ch of `${target}:${index}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    return new Rng(h ^ Math.imul(index + 1, 0x85ebca6b));
  }

  /** [0, 1). mulberry32. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }

  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A string from a mix of alphabets: plain, punctuation, control, unicode, surrogate halves. */
  string(maxLength = 24): string {
    const length = this.int(0, maxLength);
    const alphabet = this.pick(ALPHABETS);
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(0, alphabet.length - 1)];
    return out;
  }

  /** A number from the edges: 0, -0, huge, tiny, non-integers, past 2^53, NaN-like strings. */
  number(): number {
    return this.pick(EDGE_NUMBERS) ?? this.int(-1000, 1000);
  }

  /** Random JSON up to `depth` levels, with __proto__/constructor keys now and then. */
  json(depth = 4): unknown {
    const kind = depth <= 0 ? this.int(0, 3) : this.int(0, 5);
    switch (kind) {
      case 0:
        return this.chance(0.5) ? this.number() : this.int(-5, 5);
      case 1:
        return this.string();
      case 2:
        return this.pick([null, true, false]);
      case 3:
        return this.pick(['', '0', '-1', 'true', 'null', '__proto__', '{}', 'ack', 'message', 'a'.repeat(this.int(100, 5000))]);
      case 4: {
        const out: unknown[] = [];
        for (let i = this.int(0, 4); i > 0; i--) out.push(this.json(depth - 1));
        return out;
      }
      default: {
        const out: Record<string, unknown> = {};
        for (let i = this.int(0, 4); i > 0; i--) {
          const key = this.chance(0.15) ? this.pick(SPECIAL_KEYS) : this.string(8);
          // defineProperty: a literal __proto__ key, as JSON.parse would make it.
          Object.defineProperty(out, key, { value: this.json(depth - 1), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
    }
  }

  /** JSON text nested `levels` deep ([[[…]]] or {"a":{"a":…}}), valid and small. */
  deepJsonText(levels: number): string {
    const open = this.chance(0.5) ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    return `${open.repeat(levels)}1${close.repeat(levels)}`;
  }
}

const ALPHABETS: readonly string[] = [
  'abcdefghijklmnopqrstuvwxyz0123456789',
  'abc.*{}/\\%$#@!?&=+-_~`\'" :;,<>[]()|^',
  '\u0000\u0001\u0007\b\t\n\r\u001b\u007f',
  'ä€漢字🙂\u200b\u202e\ufeff',
  '\ud800\udfff\ud83d',
];

const SPECIAL_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'then', 'seq', 'uid', 'length', ''];

const EDGE_NUMBERS: readonly (number | undefined)[] = [
  0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 9007199254740993, 1e21, 1e100, Number.MAX_SAFE_INTEGER, undefined, undefined,
];
