/** What every fuzz target implements, and what it is given. */
import type { Rng } from './rng';

export type FuzzTargetName = 'socket' | 'engine' | 'http' | 'redis';

export interface FuzzContext {
  /** The host's base URL (changes when a crash made the run start a new host). */
  url: string;
  /** Users that exist: pushes go to them (nobody is connected as them). */
  uids: readonly string[];
  /** Tokens the main site accepts (for logins), each for its own uid. */
  tokens: readonly string[];
  redisUrl: string;
  /** Herald's Redis key prefix for this host, e.g. `fuzz-ab12:`. */
  prefix: string;
}

export interface CaseResult {
  /** Exactly what was sent, printable. */
  input: string;
  /** Set when the server answered 500 or an `INTERNAL` error. */
  serverError?: string;
}

export interface FuzzTarget {
  readonly name: FuzzTargetName;
  /** Opens connections against `ctx` (again after a host restart). */
  open(ctx: FuzzContext): Promise<void>;
  run(rng: Rng, ctx: FuzzContext): Promise<CaseResult>;
  close(): Promise<void>;
  /** A line on what the cases got back (answers by status, …), for the report. */
  summary?(): string;
}
