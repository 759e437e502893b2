/**
 * The environments Herald runs in (`PUSH_ENV`). A file of its own because the verifiers' config
 * rules (shared/auth/) depend on it and the config schema depends on the verifiers: both import
 * this instead of each other.
 */
export const ENVIRONMENTS = ['local', 'test', 'online'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** What a mode's config rule may need besides its own settings. */
export interface ModeContext {
  environment: Environment;
  /** `key`, or `key (HERALD_X)` when an environment variable set it: for error messages. */
  label(key: string): string;
}
