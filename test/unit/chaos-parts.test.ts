/** The chaos suite's pure parts: seeded cases, flags, the soak's slope, the wire tap. */
import { expect } from 'chai';
import { Encoder, PacketType as SioType } from 'socket.io-parser';
import { Rng } from '../chaos/fuzz/rng';
import { chaosOptionsFrom, parseFlags } from '../chaos/options';
import { slope } from '../chaos/soak';
import { tappedParser, type WirePacket } from '../chaos/wire-tap';

describe('chaos suite parts', function () {
  it('generates the same case again from (seed, target, case), and another for another case', function () {
    const a = Rng.forCase(42, 'http', 7);
    const b = Rng.forCase(42, 'http', 7);
    const c = Rng.forCase(42, 'http', 8);
    const draw = (r: Rng): unknown => [r.next(), r.string(30), r.json(3), r.int(0, 1000)];
    const first = JSON.stringify(draw(a));
    expect(JSON.stringify(draw(b))).to.equal(first);
    expect(JSON.stringify(draw(c))).to.not.equal(first);
  });

  it('nests deep JSON text exactly as many levels as asked, and it parses', function () {
    const text = new Rng(1).deepJsonText(3000);
    let depth = 0;
    let max = 0;
    for (const ch of text) {
      if (ch === '[' || ch === '{') max = Math.max(max, ++depth);
      if (ch === ']' || ch === '}') depth--;
    }
    expect(max).to.equal(3000);
    expect(() => JSON.parse(text)).to.not.throw();
  });

  it('reads --name value and --name=value flags and refuses unknown scenarios and bad numbers', function () {
    const options = chaosOptionsFrom(parseFlags(['--rate', '300', '--duration=40', '--scenario', 'redis,kill9']));
    expect(options.rate).to.equal(300);
    expect(options.duration).to.equal(40);
    expect(options.scenarios).to.deep.equal(['redis', 'kill9']);
    expect(() => chaosOptionsFrom(parseFlags(['--scenario', 'flood']))).to.throw('--scenario: unknown "flood"');
    expect(() => chaosOptionsFrom(parseFlags(['--rate', '-1']))).to.throw('--rate: expected a positive number');
  });

  it('reads --ephemeral: the scenarios that keep every device connected, by default and by choice', function () {
    expect(chaosOptionsFrom(parseFlags([])).ephemeral).to.equal(false);
    const options = chaosOptionsFrom(parseFlags(['--ephemeral']));
    expect(options).to.include({ ephemeral: true });
    expect(options.scenarios).to.deep.equal(['redis', 'store']);
    expect(chaosOptionsFrom(parseFlags(['--ephemeral', '--scenario', 'redis'])).scenarios).to.deep.equal(['redis']);
    for (const name of ['kill9', 'reload', 'verify']) {
      expect(() => chaosOptionsFrom(parseFlags(['--ephemeral', '--scenario', name]))).to.throw(`"${name}" drops device connections`);
    }
  });

  it('reads --batch as 0 (single pushes, the default) or 1 to 1000 pushes per call', function () {
    expect(chaosOptionsFrom(parseFlags([])).batch).to.equal(0);
    expect(chaosOptionsFrom(parseFlags(['--batch', '10'])).batch).to.equal(10);
    expect(chaosOptionsFrom(parseFlags(['--batch=0'])).batch).to.equal(0);
    expect(chaosOptionsFrom(parseFlags(['--batch', '1000'])).batch).to.equal(1000);
    for (const bad of ['1001', '-1', '2.5', 'ten']) {
      expect(() => chaosOptionsFrom(parseFlags(['--batch', bad]))).to.throw('--batch: expected 0 (single pushes) or 1 to 1000');
    }
  });

  it('fits the slope of a memory series (MB per second)', function () {
    expect(slope([[0, 10], [10, 20], [20, 30]])).to.equal(1);
    expect(slope([[0, 50], [10, 50], [20, 50]])).to.equal(0);
  });

  it('the wire tap sees every decoded packet before the socket does', function () {
    const seen: WirePacket[] = [];
    const parser = tappedParser((p) => seen.push(p));
    const decoder = new parser.Decoder();
    const order: string[] = [];
    decoder.on('decoded', () => order.push('socket'));
    const [frame] = new Encoder().encode({ type: SioType.EVENT, nsp: '/', data: ['message', { id: 'a', seq: 3, data: 1, ts: 1 }] }) as string[];
    decoder.add(frame as string);
    expect(seen).to.have.length(1);
    expect(seen[0]?.data).to.deep.equal(['message', { id: 'a', seq: 3, data: 1, ts: 1 }]);
    expect(order).to.deep.equal(['socket']);
  });
});
