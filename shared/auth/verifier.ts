/** Login verification: a ukey (web) or token (app) in, a uid out. */

export type CredentialType = 'ukey' | 'token';

export interface Credential {
  type: CredentialType;
  /** The secret itself; it never leaves the verifier except towards the main site. */
  value: string;
}

export interface VerifyContext {
  platform: string;
  /** The client's address, passed on to the main site. */
  ip: string;
}

export interface Identity {
  uid: string;
}

/**
 * Resolves to the identity, or rejects with a HeraldError:
 * `AUTH_REJECTED` (the credential is bad) or `AUTH_UNAVAILABLE` (we could not tell).
 */
export interface Verifier {
  /** The verifier's name in the table of shared/auth/verifiers.ts. */
  readonly kind: string;
  verify(credential: Credential, context: VerifyContext): Promise<Identity>;
}
