/**
 * Engine.IO session ids that name their worker: the first 4 of the 20 characters are the
 * cluster worker id in base36, the other 16 are random (96 bits). The primary routes a request
 * by reading them (primary/sticky-balancer.ts).
 */
import { randomBytes } from 'node:crypto';

const PREFIX_LENGTH = 4;

/** The start of every session id a worker creates. */
export function sessionIdPrefix(workerId: number): string {
  return (workerId % 36 ** PREFIX_LENGTH).toString(36).padStart(PREFIX_LENGTH, '0');
}

/** A new session id for the worker with this prefix. */
export function newSessionId(prefix: string): string {
  return prefix + randomBytes(12).toString('base64url');
}

/** The cluster worker id written into a session id. */
export function workerIdOfSession(sid: string): number {
  return parseInt(sid.slice(0, PREFIX_LENGTH), 36);
}
