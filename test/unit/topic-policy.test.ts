import { expect } from 'chai';
import { TopicPolicy } from '../../shared/topic-policy';

describe('topic policy', function () {
  const policy = new TopicPolicy([
    { pattern: 'public.**', access: 'public' },
    { pattern: 'user.{uid}', access: 'owner' },
    { pattern: 'user.{uid}.**', access: 'owner' },
    { pattern: 'room.*', access: 'authenticated' },
  ]);

  it('lets anyone, even anonymous, subscribe to public topics at any depth', function () {
    expect(policy.allows('public.news', undefined)).to.equal(true);
    expect(policy.allows('public.sports.football', undefined)).to.equal(true);
    expect(policy.allows('public', undefined)).to.equal(false);
  });

  it('lets only the owner subscribe to user.{uid} topics', function () {
    expect(policy.allows('user.42', '42')).to.equal(true);
    expect(policy.allows('user.42.orders', '42')).to.equal(true);
    expect(policy.allows('user.42.orders.paid', '42')).to.equal(true);
    expect(policy.allows('user.42', '43')).to.equal(false);
    expect(policy.allows('user.42', undefined)).to.equal(false);
    expect(policy.allows('user.ab', 'a')).to.equal(false);
  });

  it('fills {uid} with one whole segment: a dot-prefix uid never gets the topic of the longer uid', function () {
    // uid alice.bob would own user.alice.bob under user.{uid}, and uid alice user.alice.bob as
    // subtopic bob under user.{uid}.**: no reading of the name tells them apart, so a uid with a
    // dot has no owner topics and user.alice.bob is only ever alice's subtopic.
    expect(policy.allows('user.alice.bob', 'alice.bob')).to.equal(false);
    expect(policy.allows('user.alice.bob.inbox', 'alice.bob')).to.equal(false);
    expect(new TopicPolicy([{ pattern: 'user.{uid}', access: 'owner' }]).allows('user.alice.bob', 'alice.bob')).to.equal(false);
    expect(policy.allows('user.alice.orders', 'alice')).to.equal(true);
    // Prefixes without a dot stay apart.
    expect(policy.allows('user.alice', 'ali')).to.equal(false);
    expect(policy.allows('user.alicebob', 'alice')).to.equal(false);
    expect(policy.allows('user.ali', 'alice')).to.equal(false);
  });

  it('treats uids with pattern or regex characters as plain text of one segment', function () {
    expect(policy.allows('user.a-b', 'a-b')).to.equal(true);
    expect(policy.allows('user.a:b.feed', 'a:b')).to.equal(true);
    expect(policy.allows('user.x', '*')).to.equal(false);
    expect(policy.allows('user.anything.x', '**')).to.equal(false);
    expect(policy.allows('user.a', '.+')).to.equal(false);
    expect(policy.allows('user.a@b', 'a@b')).to.equal(false);
    expect(policy.allows('user.{uid}', '{uid}')).to.equal(false);
  });

  it('matches * to exactly one segment', function () {
    expect(policy.allows('room.lobby', 'u1')).to.equal(true);
    expect(policy.allows('room.lobby', undefined)).to.equal(false);
    expect(policy.allows('room.lobby.side', 'u1')).to.equal(false);
  });

  it('treats regex characters in uids and patterns literally', function () {
    const strict = new TopicPolicy([{ pattern: 'user.{uid}', access: 'owner' }]);
    expect(strict.allows('user.a-b', 'a-b')).to.equal(true);
    expect(strict.allows('user.aXb', 'a.b')).to.equal(false);
    expect(new TopicPolicy([{ pattern: 'a.b', access: 'public' }]).allows('aXb', undefined)).to.equal(false);
  });

  it('refuses everything when no rule matches', function () {
    expect(new TopicPolicy([]).allows('public.news', 'u1')).to.equal(false);
  });
});
