import { expect } from 'chai';
import { loadConfig } from '../../shared/config';
import type { MessageStore, NewMessage } from '../../shared/store';
import { StoreDurableLane } from '../../server/push/durable-lane';
import type { Deliverer, PreparedPush } from '../../server/push/push-service';
import type { HeraldServer } from '../../server/socket/types';

describe('durable lane', () => {
  it('answers a stored push even when its live copies are refused (they come from the store)', async () => {
    const stored: NewMessage[] = [];
    const store = { append: async (messages: readonly NewMessage[]) => (stored.push(...messages), messages.map((_, i) => i + 1)) } as unknown as MessageStore;
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) } as never;
    const lane = new StoreDurableLane(store, {} as HeraldServer, loadConfig({ env: {} }), logger);
    const push: PreparedPush = {
      id: 'p1', event: 'message', ts: 0, kind: 'uid', uids: ['42'], data: 1, dataJson: '1', durable: true, rooms: ['u:42'],
    };
    const refusing: Deliverer = {
      deliver: () => undefined,
      deliverWithSeqs: () => {
        throw new Error('Redis is unavailable and the outage buffer is full');
      },
    };
    await lane.storeAndDeliver(push, refusing);
    expect(stored.map((m) => m.uid)).to.deep.equal(['42']);
    expect(warnings).to.have.length(1);
  });
});
