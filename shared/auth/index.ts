export { HTTP_VERIFIER, HttpSettingsSchema, HttpVerifier, readPath } from './http-verifier';
export type { HttpVerifierOptions } from './http-verifier';
export { DEV_JWT_SECRET, JWT_VERIFIER, JwtSettingsSchema, JwtVerifier, signToken } from './jwt-verifier';
export type { JwtVerifierOptions, SignTokenOptions } from './jwt-verifier';
export type { Credential, CredentialType, Identity, Verifier, VerifyContext } from './verifier';
export type { VerifierDeps, VerifierMode } from './verifier-mode';
export { AuthSettingsSchema, createVerifier, DEFAULT_VERIFIER, resolveAuth, VERIFIERS } from './verifiers';
export type { AuthConfig, VerifierName, VerifierSettings } from './verifiers';
