import { expect } from 'chai';
import { HeraldError } from '../../shared/errors';

/** Resolves with the rejection reason, which must be a HeraldError; fails when the promise resolves. */
export async function rejection(promise: Promise<unknown>): Promise<HeraldError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(HeraldError);
    return err as HeraldError;
  }
  throw new Error('expected a rejection');
}
