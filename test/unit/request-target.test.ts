import { expect } from 'chai';
import { parseRequestTarget } from '../../server/http/request-target';
import { HeraldError } from '../../shared/errors';

function refusal(target: string): string {
  try {
    parseRequestTarget(target);
  } catch (err) {
    expect(err).to.be.instanceOf(HeraldError);
    return (err as HeraldError).code;
  }
  throw new Error(`${target} was accepted`);
}

describe('request targets', function () {
  it('keeps the path as sent, percent-escapes and all, and splits off the query', function () {
    const target = parseRequestTarget('/api/v1/online/a%2Fb?x=1&y=%20');
    expect(target.path).to.equal('/api/v1/online/a%2Fb');
    expect(target.query.get('y')).to.equal(' ');
  });

  for (const target of ['//x/metrics', '//metrics', '/\\x/metrics', 'http://x/metrics', '*', '', 'metrics', '/a/../metrics', '/a/%2e%2E/metrics', '/./metrics', '/metrics#x', '/met rics', '/m\u00e9trics']) {
    it(`refuses ${JSON.stringify(target)} with BAD_REQUEST`, function () {
      expect(refusal(target)).to.equal('BAD_REQUEST');
    });
  }

  it('accepts dots that are not whole segments', function () {
    expect(parseRequestTarget('/sdk/herald.js.map').path).to.equal('/sdk/herald.js.map');
    expect(parseRequestTarget('/a/...b').path).to.equal('/a/...b');
  });
});
