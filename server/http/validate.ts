import type { ZodType, ZodTypeDef } from 'zod';
import { HeraldError } from '../../shared/errors';
import { describeZodError } from '../../shared/protocol';

/** Parses with the schema or throws BAD_REQUEST naming the first bad field (`to.uid: must match …`). */
export function parseOrBadRequest<T>(schema: ZodType<T, ZodTypeDef, unknown>, value: unknown, label = ''): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HeraldError('BAD_REQUEST', `${label}${describeZodError(parsed.error)}`);
  return parsed.data;
}
