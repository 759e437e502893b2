/**
 * A log file that rotates by size: `herald.log` is renamed `herald.log.1` (and older ones move
 * up, the oldest beyond `keep` is deleted) once it would grow past `maxBytes`. Used in daemon
 * mode, where the primary writes its own lines and its children's output here.
 */
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';

export class RotatingFile extends Writable {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    super({ decodeStrings: true });
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a', 0o640);
    this.size = existsSync(path) ? statSync(path).size : 0;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      if (this.size > 0 && this.size + chunk.length > this.maxBytes) this.rotate();
      writeSync(this.fd, chunk);
      this.size += chunk.length;
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      closeSync(this.fd);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private rotate(): void {
    closeSync(this.fd);
    const oldest = `${this.path}.${this.keep}`;
    if (existsSync(oldest)) unlinkSync(oldest);
    for (let n = this.keep - 1; n >= 1; n--) {
      const from = `${this.path}.${n}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${n + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a', 0o640);
    this.size = 0;
  }
}
