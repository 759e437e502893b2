/**
 * The device id: Herald keeps the durable-delivery cursor per (uid, device), so a client that
 * does not name its device gets one generated once and kept in storage (localStorage in a
 * browser), and every later session of that browser resumes from the same cursor.
 */
import type { SafeStorage } from './storage';

const KEY = 'device';

/** Same alphabet and length as the server's DEVICE_PATTERN: `[A-Za-z0-9_.:-]{1,128}`. */
const DEVICE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

function randomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  let id = '';
  for (let i = 0; i < 32; i++) id += Math.floor(Math.random() * 16).toString(16);
  return id;
}

/** The stored device id, or a new one that is stored for next time. */
export function loadDeviceId(storage: SafeStorage): string {
  const stored = storage.get(KEY);
  if (stored !== null && DEVICE_PATTERN.test(stored)) return stored;
  const id = `d-${randomId()}`;
  storage.set(KEY, id);
  return id;
}
