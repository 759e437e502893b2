import type { SafeParseReturnType } from 'zod';
import { HeraldError } from '../../shared/errors';
import { describeZodError } from '../../shared/protocol';

/** A zod schema, or anything that checks like one (shared/protocol `pushRequestChecker`). */
export interface Checker<T> {
  safeParse(value: unknown): SafeParseReturnType<unknown, T>;
}

/** Parses with the schema or throws BAD_REQUEST naming the first bad field (`to.uid: must match …`). */
export function parseOrBadRequest<T>(schema: Checker<T>, value: unknown, label = ''): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HeraldError('BAD_REQUEST', `${label}${describeZodError(parsed.error)}`);
  return parsed.data;
}
