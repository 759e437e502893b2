import { systemClock, type Clock } from '../clock';
import type { HeraldConfig } from '../config';
import type { Logger } from '../logger';
import { HttpVerifier } from './http-verifier';
import { JwtVerifier } from './jwt-verifier';
import type { Verifier } from './verifier';

export { HttpVerifier, readPath } from './http-verifier';
export type { HttpVerifierOptions } from './http-verifier';
export { JwtVerifier, signToken } from './jwt-verifier';
export type { JwtVerifierOptions, SignTokenOptions } from './jwt-verifier';
export type { Credential, CredentialType, Identity, Verifier, VerifyContext } from './verifier';

/** The verifier `auth.verifier` selects. */
export function createVerifier(config: HeraldConfig, logger: Logger, clock: Clock = systemClock): Verifier {
  const auth = config.auth;
  if (auth.verifier === 'http') {
    const url = auth.http.url;
    if (url === undefined) throw new Error('auth.http.url is required');
    return new HttpVerifier({ ...auth.http, url }, logger, clock);
  }
  return new JwtVerifier(auth.jwt);
}
