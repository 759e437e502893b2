/**
 * Every verifier Herald can run, by the name `auth.verifier` gives it. The config schema, the
 * config rules and createVerifier all read this table: adding a verifier is its own file (a
 * VerifierMode: settings schema, rules, constructor) plus one line here.
 */
import { z } from 'zod';
import { systemClock, type Clock } from '../clock';
import type { ModeContext } from '../config/environment';
import type { Logger } from '../logger';
import { HTTP_VERIFIER } from './http-verifier';
import { JWT_VERIFIER } from './jwt-verifier';
import type { Verifier } from './verifier';
import type { VerifierMode } from './verifier-mode';

export const VERIFIERS = {
  jwt: JWT_VERIFIER,
  http: HTTP_VERIFIER,
} as const;

export type VerifierName = keyof typeof VERIFIERS;

/** What `auth.verifier` is when app.json does not say. */
export const DEFAULT_VERIFIER: VerifierName = 'jwt';

/** The checked settings of verifier N (`config.auth.jwt` when N is `jwt`). */
export type VerifierSettings<N extends VerifierName> = (typeof VERIFIERS)[N] extends VerifierMode<z.ZodTypeAny, infer S> ? S : never;

/**
 * `config.auth`: the verifier's name and its checked settings under that name, e.g.
 * `{ verifier: 'http', http: { url, … } }` — `config.auth.http.url` is a string once
 * `config.auth.verifier === 'http'` is tested. Other verifiers' settings are not kept.
 */
export type AuthConfig = { [N in VerifierName]: { verifier: N } & { [K in N]: VerifierSettings<K> } }[VerifierName];

const names = Object.keys(VERIFIERS) as [VerifierName, ...VerifierName[]];
const settingsShape = Object.fromEntries(names.map((name) => [name, VERIFIERS[name].schema])) as {
  [N in VerifierName]: (typeof VERIFIERS)[N]['schema'];
};

/** `auth` in app.json: `verifier`, then one settings object per verifier. */
export const AuthSettingsSchema = z
  .object({
    /** Which verifier logs clients in: `jwt` checks signed tokens locally; `http` asks the main site's verification API. */
    verifier: z.enum(names).default(DEFAULT_VERIFIER),
    ...settingsShape,
  })
  .strict()
  .default({});

/** Applies the chosen verifier's rules (ConfigError on a miss) and keeps only its settings. */
export function resolveAuth(auth: z.output<typeof AuthSettingsSchema>, context: ModeContext): AuthConfig {
  const name = auth.verifier;
  // The table's entries differ in type; TypeScript cannot follow `name` through both lookups.
  const mode = VERIFIERS[name] as VerifierMode<z.ZodTypeAny, unknown>;
  return { verifier: name, [name]: mode.resolve(auth[name], context) } as AuthConfig;
}

/** The verifier `config.auth` selects. */
export function createVerifier(auth: AuthConfig, logger: Logger, clock: Clock = systemClock): Verifier {
  const mode = VERIFIERS[auth.verifier] as VerifierMode<z.ZodTypeAny, unknown>;
  return mode.create((auth as Partial<Record<VerifierName, unknown>>)[auth.verifier], { logger, clock });
}
