/**
 * Login tokens for load connections, signed in the load-client processes. The same HS256 JWT as
 * `signToken` in shared/auth, but with the secret turned into a KeyObject once: jsonwebtoken
 * given a string first tries to parse it as a PEM key and throws, which costs ~0.5 ms per token
 * instead of ~13 µs, and would make the load clients heavier than the server they measure.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

const keys = new Map<string, KeyObject>();

export function signLoadToken(uid: string, secret: string, ttlSeconds: number): string {
  let key = keys.get(secret);
  if (key === undefined) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return jwt.sign({}, key, { algorithm: 'HS256', subject: uid, expiresIn: ttlSeconds });
}
