/**
 * What a verifier brings to the table in ./verifiers.ts: its settings under `auth.<name>` in
 * app.json, the rules those settings must meet, and how to build it. Everything about one
 * verifier — code, config keys, config rules — sits in its own file and meets the rest of Herald
 * only here.
 */
import type { z } from 'zod';
import type { Clock } from '../clock';
import type { ModeContext } from '../config/environment';
import type { Logger } from '../logger';
import type { Verifier } from './verifier';

export interface VerifierDeps {
  logger: Logger;
  clock: Clock;
}

export interface VerifierMode<Schema extends z.ZodTypeAny, Settings> {
  /** The `auth.<name>` object of app.json: keys, units, defaults (docs/CONFIG.md lists them). */
  schema: Schema;
  /**
   * Checks what the schema cannot check alone (a field this verifier requires, a rule of the
   * `online` environment) and returns settings in which nothing required is optional. Throws a
   * ConfigError naming the key. Runs only when `auth.verifier` names this verifier.
   */
  resolve(settings: z.output<Schema>, context: ModeContext): Settings;
  create(settings: Settings, deps: VerifierDeps): Verifier;
}
