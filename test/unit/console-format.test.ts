/**
 * What the pages write: the chart's y axis (round ticks, whole numbers for counts, the decimals
 * the step needs) and counts with their nouns in the right number.
 */
import { expect } from 'chai';
import { count } from '../../console/src/format';
import { yScale } from '../../console/src/ticks';

const labels = (values: number[]) => {
  const scale = yScale(values);
  return scale.ticks.map(scale.format);
};

describe('console text: chart ticks and counts', function () {
  it('labels a rate chart peaking at 0.5/s 0 / 0.2 / 0.4 / 0.6, not 0 / 0.3 / 0.5', function () {
    expect(labels([0, 0.2, 0.5, 0.25])).to.deep.equal(['0.0', '0.2', '0.4', '0.6']);
  });

  it('gives counts whole-number ticks: 3 connections read 0 / 1 / 2 / 3, not 0 / 2.5 / 5', function () {
    expect(labels([0, 1, 3])).to.deep.equal(['0', '1', '2', '3']);
    expect(labels([1])).to.deep.equal(['0', '1']);
    expect(labels([5])).to.deep.equal(['0', '2', '4', '6']);
    expect(labels([0, 37, 120])).to.deep.equal(['0', '50', '100', '150']);
  });

  it('draws an empty or all-zero chart from 0 to 1', function () {
    expect(yScale([]).max).to.equal(1);
    expect(labels([0, 0])).to.deep.equal(['0', '1']);
  });

  it('keeps ticks evenly spaced at 1, 2 or 5 × 10^n, at most five, the top at or above the highest value', function () {
    for (const highest of [0.004, 0.03, 0.7, 1.3, 2.6, 9, 11, 47.5, 999, 12345]) {
      const { ticks, max } = yScale([0, highest]);
      const step = ticks[1] as number;
      expect(ticks.length, `${highest}`).to.be.within(2, 5);
      expect(max, `${highest}`).to.be.at.least(highest);
      expect(step / 10 ** Math.floor(Math.log10(step) + 1e-9), `${highest}: step ${step}`).to.be.oneOf([1, 2, 5]);
      ticks.forEach((tick, i) => expect(tick, `${highest}: tick ${i}`).to.be.closeTo(i * step, step * 1e-9));
    }
  });

  it('ignores values that are not finite', function () {
    expect(labels([Number.NaN, 2, Number.POSITIVE_INFINITY])).to.deep.equal(['0', '1', '2']);
  });

  it('writes 1 host, 2 hosts, 0 hosts, 1 retry, 3 retries', function () {
    expect([count(1, 'host'), count(2, 'host'), count(0, 'host')]).to.deep.equal(['1 host', '2 hosts', '0 hosts']);
    expect([count(1, 'retry', 'retries'), count(3, 'retry', 'retries')]).to.deep.equal(['1 retry', '3 retries']);
  });
});
