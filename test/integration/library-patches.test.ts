/**
 * The patches of library internals (shared/patches/, one file per patch): each names the versions
 * it was written against, and these tests fail when the installed version differs or when the
 * internal a patch relies on no longer has the shape and behaviour it expects — the signal to
 * read the library's change and update the patch (and its PINNED) on purpose.
 * Uses the shared Redis (6379) and MariaDB (3306, database `test`).
 */
import { EventEmitter, once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, connect, Socket, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { expect } from 'chai';
import Redis from 'ioredis';
import { createPool } from 'mysql2/promise';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { Adapter, MessageType } from 'socket.io-adapter';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import WebSocket from 'ws';
import { HeraldError } from '../../shared/errors';
import { writeFrameDirectly } from '../../shared/patches/engine-io-direct-write';
import { closeAtOnce, engineOutput, packetBytes, queuedBytes, socketBufferedBytes, type EnginePacket } from '../../shared/patches/engine-io-output';
import { heartbeatQueues, installHeartbeatWheel } from '../../shared/patches/engine-io-heartbeat-wheel';
import { installSharedTransportListeners, TRANSPORT_LISTENERS } from '../../shared/patches/engine-io-transport-listeners';
import { clientClass, CONNECTION_LISTENERS, installSharedClientListeners } from '../../shared/patches/socket-io-client-listeners';
import { ENGINE_CLOSE_SOURCE, forgetClient, shareCloseListeners, STICKY_CLOSE_SOURCE } from '../../shared/patches/engine-io-close-listeners';
import { hasAcks, installLazyAcks } from '../../shared/patches/socket-io-lazy-acks';
import { installOneEntryClientMaps, OneEntryMap } from '../../shared/patches/socket-io-client-maps';
import { releaseHandshakeRequest, UPGRADE_ERROR_LISTENER, UPGRADE_RESPONSE_CLOSE } from '../../shared/patches/engine-io-release-request';
import { coreConnection, destroyConnection } from '../../shared/patches/mysql2-connection';
import { handleClosed, socketHandle } from '../../shared/patches/node-socket-handle';
import { userRoutedAdapter, type OutageGate } from '../../shared/patches/redis-adapter-user-channels';
import { tapBroadcasts } from '../../shared/patches/socket-io-adapter-broadcast';
import { compactListeners, SHAPE_MODE } from '../../shared/patches/node-listener-tables';
import { GET_DATA, installReceiverRelease, Receiver, type ReceiverInternals } from '../../shared/patches/ws-receiver-buffers';
import { exactEmitterListeners, exactMiddleware } from '../../shared/patches/socket-io-exact-arrays';
import { RoomMembers, useRoomMembers } from '../../shared/patches/socket-io-adapter-room-members';
import { packageRoot } from '../../shared/paths';
import { sleep, waitFor } from '../support/wait';

const root = packageRoot();
const PATCHES = join(root, 'shared', 'patches');
const patchNames = readdirSync(PATCHES)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => name.slice(0, -3))
  .sort();

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const declaredVersions: Record<string, string | undefined> = { ...pkg.devDependencies, ...pkg.dependencies };

/** The installed version of a package (or Node's major version for `node`). */
function installedVersion(library: string): string {
  if (library === 'node') return process.versions.node.split('.')[0];
  return (JSON.parse(readFileSync(join(root, 'node_modules', library, 'package.json'), 'utf8')) as { version: string }).version;
}

/** V8's own answer: is `object` in fast mode (not a hash table)? */
function hasFastProperties(object: object): boolean {
  setFlagsFromString('--allow-natives-syntax');
  return (new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean)(object);
}

/** An emitter's listener table (EventEmitter's private `_events`). */
function listenerTable(emitter: unknown): object {
  return (emitter as { _events: object })._events;
}

/** The arguments of the client's next `event`. */
function nextEvent(client: ClientSocket, event: string): Promise<unknown[]> {
  return new Promise((resolve) => client.once(event, (...args: unknown[]) => resolve(args)));
}

/** A Socket.IO server on a free port with one websocket client connected. */
async function socketPair(): Promise<{ io: Server; http: HttpServer; client: ClientSocket; server: ServerSocket; close(): Promise<void> }> {
  const http = createServer();
  const io = new Server(http);
  const connected = once(io, 'connection') as Promise<[ServerSocket]>;
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;
  const client = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  const [server] = await connected;
  await waitFor(() => client.connected, 5000, 'client connected');
  return {
    io,
    http,
    client,
    server,
    close: async () => {
      client.close();
      await io.close();
    },
  };
}

describe('library patches (shared/patches/)', function () {
  it('every patch names the versions it patches, and exactly those are installed', function () {
    expect(patchNames.length).to.be.greaterThan(0);
    for (const name of patchNames) {
      const { PINNED } = require(join(__dirname, '..', '..', 'shared', 'patches', name)) as { PINNED?: readonly { library: string; version: string }[] };
      expect(PINNED, `${name} exports PINNED`).to.be.an('array').that.is.not.empty;
      // A library pinned more than once (Node: one pin per major the suite runs on) matches any of its pins.
      const pinned = new Map<string, string[]>();
      for (const pin of PINNED!) pinned.set(pin.library, [...(pinned.get(pin.library) ?? []), pin.version]);
      for (const [library, versions] of pinned) {
        expect(versions, `${name}: installed ${library}`).to.include(installedVersion(library));
        const declared = declaredVersions[library];
        if (declared !== undefined) expect(versions, `${name}: ${library} in package.json`).to.include(declared);
      }
    }
  });

  it('every patch has its own tests in this file', function () {
    const source = readFileSync(join(root, 'test', 'integration', 'library-patches.test.ts'), 'utf8');
    for (const name of patchNames) expect(source.includes(`describe('${name}'`), `describe('${name}', …) here`).to.equal(true);
  });

  describe('socket-io-adapter-room-members', function () {
    it("the in-memory Adapter's addAll is still the one replaced here", function () {
      const source = readFileSync(join(root, 'node_modules', 'socket.io-adapter', 'dist', 'in-memory-adapter.js'), 'utf8');
      expect(source).to.include(
        'addAll(id, rooms) {\n        if (!this.sids.has(id)) {\n            this.sids.set(id, new Set());\n        }\n        for (const room of rooms) {\n            this.sids.get(id).add(room);\n            if (!this.rooms.has(room)) {\n                this.rooms.set(room, new Set());\n                this.emit("create-room", room);\n            }\n            if (!this.rooms.get(room).has(id)) {\n                this.rooms.get(room).add(id);\n                this.emit("join-room", room, id);\n            }\n        }\n    }',
      );
      // Only this one place makes a room's members.
      expect(source.split('this.rooms.set(').length - 1).to.equal(1);
    });

    it('RoomMembers answers every Set operation the adapter uses as a Set does, over 20,000 random operations', function () {
      let seed = 7;
      const random = (n: number): number => {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        return seed % n;
      };
      const members = new RoomMembers();
      const reference = new Set<string>();
      for (let step = 0; step < 20_000; step++) {
        const id = `s${random(4)}`;
        const op = random(10);
        const label = `step ${step}, op ${op}, ${id}`;
        if (op < 4) {
          expect(members.add(id), label).to.equal(members);
          reference.add(id);
        } else if (op < 7) {
          expect(members.delete(id), label).to.equal(reference.delete(id));
        } else if (op === 7) {
          expect(members.has(id), label).to.equal(reference.has(id));
        } else if (op === 8 && random(20) === 0) {
          members.clear();
          reference.clear();
        }
        expect(members.size, label).to.equal(reference.size);
        expect([...members], label).to.deep.equal([...reference]);
        const seen: string[] = [];
        members.forEach((member, same, set) => {
          expect(same).to.equal(member);
          expect(set).to.equal(members);
          seen.push(member);
        });
        expect(seen, label).to.deep.equal([...reference]);
        expect([...members.entries()], label).to.deep.equal([...reference.entries()]);
        expect([...members.keys()], label).to.deep.equal([...reference.keys()]);
      }
    });

    it('rooms of one and of many members: joins, leaves, broadcasts with and without exceptions, fetchSockets and the room events, as with Sets', async function () {
      const http = createServer();
      const io = new Server(http);
      const events: string[] = [];
      const adapter = io.of('/').adapter;
      useRoomMembers(adapter);
      // socket.io's Server.close() puts Adapter.prototype.addAll back (restoreAdapter): another
      // server closing in the same process must not undo the patch.
      await new Server(createServer()).close();
      for (const event of ['create-room', 'join-room', 'leave-room', 'delete-room']) adapter.on(event, (room: string, id?: string) => events.push(`${event} ${room}${id !== undefined ? ' *' : ''}`));
      const sockets: ServerSocket[] = [];
      io.on('connection', (socket) => sockets.push(socket));
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const clients = [0, 1, 2].map(() => connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false }));
      try {
        await waitFor(() => sockets.length === 3 && clients.every((c) => c.connected), 5000, 'three clients');
        const [a, b, c] = sockets.sort((x, y) => clients.findIndex((cl) => cl.id === x.id) - clients.findIndex((cl) => cl.id === y.id));
        expect(adapter.rooms.get(a.id)).to.be.instanceOf(RoomMembers);
        events.length = 0;
        a.join(['u:1', 'all']);
        b.join('all');
        c.join(['u:3', 'all']);
        expect(events).to.deep.equal(['create-room u:1', 'join-room u:1 *', 'create-room all', 'join-room all *', 'join-room all *', 'create-room u:3', 'join-room u:3 *', 'join-room all *']);
        expect(adapter.rooms.get('all')?.size).to.equal(3);
        expect([...a.rooms]).to.deep.equal([a.id, 'u:1', 'all']);
        const received = (client: ClientSocket): string[] => {
          const got: string[] = [];
          client.on('m', (text: string) => got.push(text));
          return got;
        };
        const got = clients.map(received);
        io.to('u:1').emit('m', 'one');
        io.to('all').except('u:3').emit('m', 'all but 3');
        io.to(b.id).emit('m', 'by id');
        io.except([a.id, 'u:3']).emit('m', 'everyone but a and 3');
        io.to('all').emit('m', 'all');
        await waitFor(() => got[0].length === 3 && got[1].length === 4 && got[2].length === 1, 5000, 'the broadcasts');
        expect(got).to.deep.equal([['one', 'all but 3', 'all'], ['all but 3', 'by id', 'everyone but a and 3', 'all'], ['all']]);
        expect((await io.in('all').fetchSockets()).map((s) => s.id).sort()).to.deep.equal([a.id, b.id, c.id].sort());
        expect((await io.in('u:3').fetchSockets()).map((s) => s.id)).to.deep.equal([c.id]);
        events.length = 0;
        a.leave('u:1');
        expect(events).to.deep.equal(['leave-room u:1 *', 'delete-room u:1']);
        expect(adapter.rooms.has('u:1')).to.equal(false);
        const left = once(c, 'disconnect');
        clients[2].disconnect();
        await left;
        expect(adapter.rooms.has('u:3')).to.equal(false);
        expect(adapter.rooms.has(c.id)).to.equal(false);
        expect([...(adapter.rooms.get('all') ?? [])].sort()).to.deep.equal([a.id, b.id].sort());
        io.in('all').socketsLeave('all');
        expect(adapter.rooms.has('all')).to.equal(false);
      } finally {
        for (const client of clients) client.close();
        await io.close();
      }
    });
  });

  describe('socket-io-adapter-broadcast', function () {
    it('the in-memory Adapter still has _encode and apply', function () {
      expect(Adapter.prototype).to.have.property('_encode').that.is.a('function');
      expect(Adapter.prototype).to.have.property('apply').that.is.a('function');
    });

    it('a broadcast is encoded once, then delivered through the tap; other apply callers pass by', async function () {
      const pair = await socketPair();
      try {
        const seen: { event: unknown; framed: boolean; rooms: string[] }[] = [];
        tapBroadcasts<ServerSocket, { event: unknown; framed: boolean }>(pair.io.of('/').adapter, {
          encoded: (packet, packetOpts) => ({ event: (packet as { data: unknown[] }).data[0], framed: Array.isArray(packetOpts.wsPreEncodedFrame) }),
          deliver: (broadcast, opts, apply, write) => {
            seen.push({ ...broadcast, rooms: [...opts.rooms] });
            apply(opts, write);
          },
        });
        const received = nextEvent(pair.client, 'hello');
        pair.io.to(pair.server.id).emit('hello', { n: 1 });
        expect(await received).to.deep.equal([{ n: 1 }]);
        expect(seen).to.deep.equal([{ event: 'hello', framed: true, rooms: [pair.server.id] }]);
        expect((await pair.io.fetchSockets()).map((s) => s.id)).to.deep.equal([pair.server.id]);
        expect(seen).to.have.length(1);
      } finally {
        await pair.close();
      }
    });
    it('a broadcast to everyone visits each socket of the namespace once, as the adapter would; rooms and exceptions go to the adapter', async function () {
      const pair = await socketPair();
      const { port } = pair.http.address() as AddressInfo;
      const second = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
      try {
        await waitFor(() => second.connected && pair.io.of('/').sockets.size === 2, 5000, 'second client connected');
        const visits: string[][] = [];
        tapBroadcasts<ServerSocket, null>(pair.io.of('/').adapter, {
          encoded: () => null,
          deliver: (_broadcast, opts, apply, write) => {
            const visited: string[] = [];
            apply(opts, (socket) => {
              visited.push(socket.id);
              write(socket);
            });
            visits.push(visited.sort());
          },
        });
        const all = [...pair.io.of('/').sockets.keys()].sort();
        const other = all.find((id) => id !== pair.server.id) as string;
        const bothGot = Promise.all([nextEvent(pair.client, 'all'), nextEvent(second, 'all')]);
        pair.io.emit('all', 1);
        expect(await bothGot).to.deep.equal([[1], [1]]);
        const firstGot = nextEvent(pair.client, 'but');
        pair.io.except(other).emit('but', 2);
        expect(await firstGot).to.deep.equal([2]);
        pair.io.to(other).emit('one', 3);
        expect(visits).to.deep.equal([all, [pair.server.id], [other]]);
      } finally {
        second.close();
        await pair.close();
      }
    });
  });

  describe('engine-io-direct-write', function () {
    it("Engine.IO's websocket connection has the fields read, and a frame written to the TCP socket under ws arrives", async function () {
      const pair = await socketPair();
      try {
        const conn = pair.server.conn as unknown as Record<string, unknown> & { transport: Record<string, unknown> & { socket: Record<string, unknown> } };
        expect(conn.readyState).to.equal('open');
        expect(conn.upgrading).to.equal(false);
        expect(conn.writeBuffer).to.be.an('array');
        expect(conn.transport.name).to.equal('websocket');
        expect(conn.transport.writable).to.equal(true);
        expect(conn.transport).to.have.property('perMessageDeflate');
        expect(conn.transport.socket.readyState).to.equal(1);
        expect(conn.transport.socket._socket).to.be.instanceOf(Socket);

        let wrote: boolean | undefined;
        let written = 0;
        tapBroadcasts<ServerSocket, Buffer[]>(pair.io.of('/').adapter, {
          encoded: (_packet, packetOpts) => packetOpts.wsPreEncodedFrame as Buffer[],
          deliver: (frame, opts, apply, write) =>
            apply(opts, (socket) => {
              wrote = writeFrameDirectly(socket.conn, { get: () => Buffer.concat(frame) });
              if (!wrote) {
                written++;
                write(socket);
              }
            }),
        });
        const received = nextEvent(pair.client, 'direct');
        pair.io.emit('direct', 'bytes', 2);
        expect(await received).to.deep.equal(['bytes', 2]);
        expect(wrote).to.equal(true);
        expect(written).to.equal(0);
      } finally {
        await pair.close();
      }
    });
  });

  describe('engine-io-output', function () {
    it("a websocket connection has writeBuffer, packetCreate and ws's bufferedAmount; closeAtOnce disconnects the client", async function () {
      const pair = await socketPair();
      try {
        const conn = engineOutput(pair.server);
        expect(conn.writeBuffer, 'conn.writeBuffer').to.be.an('array');
        expect(conn.transport?.socket?.bufferedAmount, 'conn.transport.socket.bufferedAmount').to.be.a('number');
        expect(conn.transport?.socket?.terminate, 'conn.transport.socket.terminate').to.be.a('function');
        const created: EnginePacket[] = [];
        conn.on('packetCreate', (packet) => created.push(packet));
        pair.server.emit('size', 'x'.repeat(100));
        // The packet is queued (and counted) before Engine.IO flushes it to the transport.
        expect(created.length).to.equal(1);
        expect(packetBytes(created[0] as EnginePacket)).to.be.greaterThan(100);
        expect(queuedBytes(conn) + socketBufferedBytes(conn)).to.be.a('number');
        const gone = nextEvent(pair.client, 'disconnect');
        closeAtOnce(conn);
        const [reason] = await gone;
        expect(reason).to.equal('transport close');
      } finally {
        await pair.close();
      }
    });
  });

  describe('engine-io-heartbeat-wheel', function () {
    /** A Socket.IO server with short heartbeats, and a raw Engine.IO v4 websocket client. */
    async function heartbeatPair(pingInterval: number, pingTimeout: number, onPing: (ws: WebSocket, pingAt: number) => void) {
      installHeartbeatWheel();
      const http = createServer();
      const io = new Server(http, { pingInterval, pingTimeout, transports: ['websocket'] });
      const connected = once(io.engine, 'connection') as Promise<[{ pingIntervalTimer: unknown; pingTimeoutTimer: unknown; once(e: 'close', l: (reason: string) => void): void }]>;
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      const pings: number[] = [];
      ws.on('message', (data) => {
        if (data.toString() !== '2') return;
        const at = Date.now();
        pings.push(at);
        onPing(ws, at);
      });
      const [conn] = await connected;
      const closed = new Promise<{ reason: string; at: number }>((resolve) => conn.once('close', (reason) => resolve({ reason, at: Date.now() })));
      const openedAt = Date.now();
      return {
        conn,
        ws,
        pings,
        closed,
        openedAt,
        close: async () => {
          ws.terminate();
          await io.close();
        },
      };
    }

    it("Engine.IO's socket still has the heartbeat methods and fields replaced here", function () {
      const engine = createRequire(require.resolve('socket.io'))('engine.io') as { Socket: { prototype: Record<string, unknown> } };
      const proto = engine.Socket.prototype;
      const source = (name: string): string => String(proto[name]);
      // Either Engine.IO's own or the patched method (once installed): both must read these.
      for (const name of ['schedulePing', 'resetPingTimeout', 'onPacket', 'onClose', 'clearTransport']) expect(proto[name], name).to.be.a('function');
      const engineSource = readFileSync(join(root, 'node_modules', 'engine.io', 'build', 'socket.js'), 'utf8');
      expect(engineSource).to.include('this.pingIntervalTimer = (0, timers_1.setTimeout)(() => {');
      expect(engineSource).to.include('this.pingTimeoutTimer.refresh();');
      expect(engineSource).to.include('(_b = this.pingIntervalTimer) === null || _b === void 0 ? void 0 : _b.refresh();');
      expect(engineSource).to.include('(0, timers_1.clearTimeout)(this.pingTimeoutTimer);\n        this.pingTimeoutTimer = null;\n    }');
      expect(engineSource).to.include('this.hasRefreshedPingTimeout = true;');
      expect(source('onClose')).to.include('readyState');
    });

    it('pings every pingInterval after each pong and keeps an answering client, with no timer per socket', async function () {
      const pair = await heartbeatPair(100, 200, (ws) => ws.send('3'));
      try {
        await waitFor(() => pair.pings.length >= 4, 3000, 'four pings');
        expect(typeof pair.conn.pingIntervalTimer === 'number' || pair.conn.pingIntervalTimer === null, 'a deadline, not a Timeout').to.equal(true);
        const gaps = pair.pings.slice(1).map((at, i) => at - pair.pings[i]);
        for (const gap of gaps) expect(gap).to.be.within(80, 400);
        expect(pair.pings[0] - pair.openedAt).to.be.within(60, 400);
        expect(pair.ws.readyState).to.equal(WebSocket.OPEN);
        expect(heartbeatQueues().sockets, 'the open socket is in a queue').to.be.greaterThan(0);
        pair.ws.terminate();
        await pair.closed;
        // A closed socket is let go at once, not kept until its old deadline.
        expect(heartbeatQueues().sockets).to.equal(0);
      } finally {
        await pair.close();
      }
    });

    it('closes a client that does not answer a ping with "ping timeout", pingTimeout after the ping', async function () {
      const pair = await heartbeatPair(100, 150, () => undefined);
      try {
        const { reason, at } = await pair.closed;
        expect(reason).to.equal('ping timeout');
        expect(pair.pings).to.have.length(1);
        expect(at - pair.pings[0]).to.be.within(120, 600);
      } finally {
        await pair.close();
      }
    });

    it('a packet while waiting for the pong extends the deadline once, by pingTimeout from its arrival', async function () {
      // Pong 400 ms after the ping: late for the 300 ms timeout, in time for the one a message at 200 ms set (500 ms).
      const pair = await heartbeatPair(100, 300, (ws) => {
        setTimeout(() => ws.send('40'), 200);
        setTimeout(() => ws.send('3'), 400);
      });
      try {
        await waitFor(() => pair.pings.length >= 2, 3000, 'a second ping after the late pong');
        expect(pair.ws.readyState).to.equal(WebSocket.OPEN);
      } finally {
        await pair.close();
      }
    });
  });

  describe('engine-io-transport-listeners', function () {
    it("Engine.IO's setTransport and clearTransport still read as the patch expects", function () {
      const engineSource = readFileSync(join(root, 'node_modules', 'engine.io', 'build', 'socket.js'), 'utf8');
      expect(engineSource).to.include('const onReady = () => this.flush();');
      expect(engineSource).to.include('const onClose = this.onClose.bind(this, "transport close");');
      expect(engineSource).to.include('this.transport.once("error", onError);');
      expect(engineSource).to.include('this.transport.once("close", onClose);');
      expect(engineSource).to.include('cleanup = this.cleanupFn.shift();');
      expect(engineSource).to.include('this.clearTransport();\n                this.setTransport(transport);');
    });

    it('a polling client upgrades to websocket, exchanges events both ways and is seen closing, through the shared listeners only', async function () {
      installSharedTransportListeners();
      const http = createServer();
      const io = new Server(http);
      const connected = once(io, 'connection') as Promise<[ServerSocket]>;
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const client = connectClient(`http://127.0.0.1:${port}`, { reconnection: false });
      try {
        const [server] = await connected;
        type EngineTransport = NodeJS.EventEmitter & { name: string };
        const conn = server.conn as unknown as { transport: EngineTransport; once(e: 'upgrade', l: () => void): void };
        const polling = conn.transport;
        expect(polling.name).to.equal('polling');
        await new Promise<void>((resolve) => conn.once('upgrade', resolve));
        const ws = conn.transport;
        expect(ws.name).to.equal('websocket');
        for (const [event, listener] of Object.entries(TRANSPORT_LISTENERS)) {
          expect(ws.listeners(event), `websocket '${event}'`).to.include(listener);
          expect(polling.listeners(event), `polling '${event}' after the upgrade`).to.not.include(listener);
        }
        expect(ws.listenerCount('close')).to.equal(1);
        // The new transport's listener table, its websocket's and its TCP socket's are compact.
        const wsSocket = (ws as unknown as { socket: { _socket: object } }).socket;
        for (const [name, emitter] of [['transport', ws], ['ws', wsSocket], ['tcp', wsSocket._socket]] as const) {
          expect(hasFastProperties(listenerTable(emitter)), `${name}: a fast table`).to.equal(true);
          expect((emitter as unknown as Record<symbol, unknown>)[SHAPE_MODE!], `${name}: shape mode`).to.equal(true);
        }
        const echoed = nextEvent(client, 'echo');
        server.on('ping-me', (n: number) => server.emit('echo', n + 1));
        client.emit('ping-me', 41);
        expect(await echoed).to.deep.equal([42]);
        const closed = once(server, 'disconnect');
        (client.io.engine as unknown as { transport: { ws: { terminate(): void } } }).transport.ws.terminate();
        const [reason] = (await closed) as [string];
        expect(reason).to.equal('transport close');
        for (const [event, listener] of Object.entries(TRANSPORT_LISTENERS)) expect(ws.listeners(event), `websocket '${event}' after the close`).to.not.include(listener);
      } finally {
        client.close();
        await io.close();
      }
    });
  });

  describe('socket-io-client-listeners', function () {
    it("socket.io's Client.setup and destroy still read as the patch expects", function () {
      const source = readFileSync(join(root, 'node_modules', 'socket.io', 'dist', 'client.js'), 'utf8');
      for (const line of [
        'this.ondecoded = this.ondecoded.bind(this);',
        'this.decoder.on("decoded", this.ondecoded);',
        'this.conn.on("data", this.ondata);',
        'this.conn.on("error", this.onerror);',
        'this.conn.on("close", this.onclose);',
        'this.conn.removeListener("close", this.onclose);',
        'if (this.nsps.size === 0) {',
      ])
        expect(source).to.include(line);
      expect(clientClass().prototype).to.have.property('setup').that.is.a('function');
    });

    it('a client connects, exchanges events and is seen leaving through the shared listeners, which then go; one that joins no namespace is closed', async function () {
      installSharedClientListeners();
      const http = createServer();
      const io = new Server(http, { connectTimeout: 200 });
      const connected = once(io, 'connection') as Promise<[ServerSocket]>;
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const client = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
      const raw = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      try {
        const [server] = await connected;
        const conn = server.conn as unknown as NodeJS.EventEmitter;
        for (const [event, listener] of Object.entries(CONNECTION_LISTENERS)) expect(conn.listeners(event), event).to.include(listener);
        expect(conn.listeners('data')).to.have.length(1);
        const echoed = nextEvent(client, 'echo');
        server.on('ping-me', (n: number) => server.emit('echo', n + 1));
        client.emit('ping-me', 1);
        expect(await echoed).to.deep.equal([2]);
        const left = once(server, 'disconnect');
        client.disconnect();
        expect(((await left) as [string])[0]).to.equal('client namespace disconnect');
        await waitFor(() => conn.listeners('data').length === 0, 2000, 'the shared listeners removed');
        const rawClosed = once(raw, 'close');
        await rawClosed;
      } finally {
        client.close();
        raw.terminate();
        await io.close();
      }
    });
  });

  describe('engine-io-close-listeners', function () {
    it("Engine.IO's and sticky's per-socket 'close' listeners still have the source swapped here", function () {
      expect(readFileSync(join(root, 'node_modules', 'engine.io', 'build', 'server.js'), 'utf8')).to.include(`socket.once("close", ${ENGINE_CLOSE_SOURCE});`);
      expect(readFileSync(join(root, 'node_modules', '@socket.io', 'sticky', 'index.js'), 'utf8')).to.include(`socket.once("close", ${STICKY_CLOSE_SOURCE});`);
    });

    it("swaps Engine.IO's listener in place: the closed socket still leaves the server's client table", async function () {
      const pair = await socketPair();
      try {
        const conn = pair.server.conn as unknown as NodeJS.EventEmitter & { id: string };
        const before = conn.rawListeners('close').length;
        expect(shareCloseListeners(conn)).to.equal(1);
        expect(conn.rawListeners('close')).to.have.length(before);
        expect(conn.rawListeners('close')[0]).to.equal(forgetClient);
        expect(pair.io.engine.clientsCount).to.equal(1);
        const closed = once(pair.server, 'disconnect');
        pair.client.close();
        await closed;
        await waitFor(() => pair.io.engine.clientsCount === 0, 2000, 'the engine socket closed');
        expect((pair.io.engine as unknown as { clients: Record<string, unknown> }).clients).to.not.have.property(conn.id);
      } finally {
        await pair.close();
      }
    });

    it("swaps sticky's listener for one that still reports the disconnection to the primary", function () {
      const conn = new EventEmitter() as EventEmitter & { id: string; server: { clients: Record<string, unknown>; clientsCount: number } };
      conn.id = 'abc';
      // A function with sticky's exact source (its free variables are not reached: it is replaced).
      conn.once('close', runInNewContext(`(${STICKY_CLOSE_SOURCE})`) as () => void);
      const sent: unknown[] = [];
      const original = process.send;
      process.send = ((message: unknown) => {
        sent.push(message);
        return true;
      }) as typeof process.send;
      try {
        expect(shareCloseListeners(conn)).to.equal(1);
        conn.emit('close');
      } finally {
        process.send = original;
      }
      expect(sent).to.deep.equal([{ type: 'sticky:disconnection', data: 'abc' }]);
    });
  });

  describe('socket-io-lazy-acks', function () {
    it("socket.io's Socket still makes acks in its constructor and uses it only where the patch expects", function () {
      const source = readFileSync(join(root, 'node_modules', 'socket.io', 'dist', 'socket.js'), 'utf8');
      expect(source).to.include('this.acks = new Map();');
      expect(source.match(/this\.acks\b/g)).to.have.length(6);
    });

    it('a socket has no map of acks until the server emits with a callback, and acks (also with a timeout) still work', async function () {
      installLazyAcks();
      const pair = await socketPair();
      try {
        expect(hasAcks(pair.server)).to.equal(false);
        expect(Object.getOwnPropertyNames(pair.server)).to.not.include('acks');
        pair.client.on('ask', (n: number, answer: (m: number) => void) => answer(n * 2));
        const answered = await new Promise<unknown>((resolve) => pair.server.emit('ask', 21, resolve));
        expect(answered).to.equal(42);
        expect(hasAcks(pair.server)).to.equal(true);
        expect(await pair.server.timeout(2000).emitWithAck('ask', 5)).to.equal(10);
        expect((pair.server as unknown as { acks: Map<number, unknown> }).acks.size).to.equal(0);
      } finally {
        await pair.close();
      }
    });
  });

  describe('socket-io-client-maps', function () {
    it("socket.io's Client still makes its two maps in the constructor and uses only what OneEntryMap has", function () {
      const source = readFileSync(join(root, 'node_modules', 'socket.io', 'dist', 'client.js'), 'utf8');
      expect(source).to.include('this.sockets = new Map();\n        this.nsps = new Map();');
      const uses = [...source.matchAll(/this\.(?:sockets|nsps)\.(\w+)/g)].map((m) => m[1]);
      expect(uses).to.have.length(13);
      for (const use of uses) expect(['size', 'set', 'get', 'has', 'delete', 'clear', 'values'], use).to.include(use);
    });

    it('OneEntryMap behaves as a Map for one entry and spills into one at the second', function () {
      const map = new OneEntryMap<string, number>();
      expect(map.size).to.equal(0);
      expect(map.get('a')).to.equal(undefined);
      map.set('a', 1).set('a', 2);
      expect([map.size, map.get('a'), map.has('a'), map.has('b')]).to.deep.equal([1, 2, true, false]);
      map.set('b', 3);
      expect([...map]).to.deep.equal([['a', 2], ['b', 3]]);
      expect(map.delete('a')).to.equal(true);
      expect([...map.values()]).to.deep.equal([3]);
      map.clear();
      expect(map.size).to.equal(0);
      map.set('c', 4);
      expect([...map.keys()]).to.deep.equal(['c']);
      expect(map.delete('x')).to.equal(false);
      expect(map.delete('c')).to.equal(true);
      expect(map.size).to.equal(0);
    });

    it('a client in two namespaces works and leaves both, with OneEntryMaps in place of its Maps', async function () {
      installOneEntryClientMaps();
      const http = createServer();
      const io = new Server(http);
      const connected = once(io, 'connection') as Promise<[ServerSocket]>;
      const otherConnected = once(io.of('/other'), 'connection') as Promise<[ServerSocket]>;
      http.listen(0, '127.0.0.1');
      await once(http, 'listening');
      const { port } = http.address() as AddressInfo;
      const client = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
      try {
        const [server] = await connected;
        const engineClient = (server as unknown as { client: { nsps: unknown; sockets: unknown } }).client;
        expect(engineClient.nsps).to.be.instanceOf(OneEntryMap);
        expect((engineClient.nsps as OneEntryMap<string, unknown>).get('/')).to.equal(server);
        const other = client.io.socket('/other');
        const [otherServer] = await otherConnected;
        expect((engineClient.nsps as OneEntryMap<string, unknown>).size).to.equal(2);
        const echoed = new Promise<unknown[]>((resolve) => other.once('echo', (...args: unknown[]) => resolve(args)));
        otherServer.on('ping-me', (n: number) => otherServer.emit('echo', n + 1));
        other.emit('ping-me', 1);
        expect(await echoed).to.deep.equal([2]);
        const left = once(otherServer, 'disconnect');
        other.disconnect();
        await left;
        expect((engineClient.nsps as OneEntryMap<string, unknown>).size).to.equal(1);
        const closed = once(server, 'disconnect');
        client.disconnect();
        await closed;
        expect((engineClient.sockets as OneEntryMap<string, unknown>).size).to.equal(0);
      } finally {
        client.close();
        await io.close();
      }
    });
  });

  describe('engine-io-release-request', function () {
    it("Engine.IO keeps the handshake request on conn.request, shared with socket.handshake; releasing it keeps the socket working", async function () {
      const pair = await socketPair();
      try {
        const conn = pair.server.conn as unknown as { request: { headers: Record<string, unknown>; rawHeaders: unknown[] } | null };
        const request = conn.request!;
        expect(request.headers.host).to.be.a('string');
        expect(pair.server.handshake.headers).to.equal(request.headers);
        releaseHandshakeRequest(pair.server);
        expect(conn.request).to.equal(null);
        expect(request.headers).to.deep.equal({});
        expect(request.rawHeaders).to.deep.equal([]);
        expect(pair.server.handshake.headers).to.deep.equal({});
        const received = nextEvent(pair.client, 'after');
        pair.server.emit('after', 1);
        expect(await received).to.deep.equal([1]);
      } finally {
        await pair.close();
      }
    });

    it("the upgrade response's 'close' listener, onUpgradeError and the 'headers' listener go, the request is collected, and a close is still seen", async function () {
      const pair = await socketPair();
      try {
        type Listener = ((...args: unknown[]) => void) & { listener?: (...args: unknown[]) => void };
        const transport = (pair.server.conn as unknown as { transport: NodeJS.EventEmitter & { name: string; socket: NodeJS.EventEmitter & { _socket: Socket } } }).transport;
        expect(transport.name).to.equal('websocket');
        const tcp = transport.socket._socket;
        const closeSources = (): string[] => (tcp.rawListeners('close') as Listener[]).map((l) => (l.listener ?? l).toString());
        expect(closeSources()).to.include(UPGRADE_RESPONSE_CLOSE);
        expect((transport.socket.rawListeners('error') as Listener[]).map((l) => l.name)).to.include(UPGRADE_ERROR_LISTENER);
        expect(transport.listenerCount('headers')).to.equal(1);
        let request: WeakRef<object> | undefined = new WeakRef((pair.server.conn as unknown as { request: object }).request);
        releaseHandshakeRequest(pair.server);
        expect(closeSources()).to.not.include(UPGRADE_RESPONSE_CLOSE);
        expect((transport.socket.rawListeners('error') as Listener[]).map((l) => l.name)).to.not.include(UPGRADE_ERROR_LISTENER);
        expect(transport.listenerCount('headers')).to.equal(0);
        setFlagsFromString('--expose-gc');
        const gc = runInNewContext('gc') as () => void;
        await sleep(10);
        gc();
        expect(request.deref(), 'the handshake request is collected').to.equal(undefined);
        request = undefined;
        const closed = once(pair.server, 'disconnect');
        pair.client.close();
        const [reason] = (await closed) as [string];
        expect(reason).to.equal('client namespace disconnect');
      } finally {
        await pair.close();
      }
    });
  });

  describe('node-listener-tables', function () {
    it("Node's EventEmitter still has a shape mode, a null-prototype table and deletes a removed listener's key outside it", function () {
      expect(SHAPE_MODE, 'kShapeMode').to.be.a('symbol');
      const emitter = new EventEmitter();
      expect((emitter as unknown as Record<symbol, unknown>)[SHAPE_MODE!]).to.equal(false);
      expect(Object.getPrototypeOf(listenerTable(emitter))).to.equal(null);
      expect(hasFastProperties(listenerTable(emitter)), 'a new emitter: a hash table').to.equal(false);
      const removed = (): void => undefined;
      emitter.on('a', () => undefined).on('b', removed).on('c', () => undefined);
      emitter.removeListener('b', removed);
      expect(Object.keys(listenerTable(emitter))).to.deep.equal(['a', 'c']);
    });

    it('a compacted emitter is fast, keeps its listeners in order, and emits, adds and removes as before, also when listeners go', function () {
      const emitter = new EventEmitter();
      const calls: string[] = [];
      const first = (n: number): number => calls.push(`first ${n}`);
      const second = (n: number): number => calls.push(`second ${n}`);
      emitter.on('data', first).on('data', second).on('data', (n: number) => calls.push(`third ${n}`));
      emitter.once('close', () => calls.push('close'));
      const removedBefore = (): void => undefined;
      emitter.on('gone', removedBefore).removeListener('gone', removedBefore);
      const before = emitter.rawListeners('data');
      expect(compactListeners(emitter)).to.equal(true);
      expect(hasFastProperties(listenerTable(emitter))).to.equal(true);
      expect(emitter.rawListeners('data')).to.deep.equal(before);
      expect(emitter.listenerCount('gone')).to.equal(0);
      emitter.emit('data', 1);
      expect(calls).to.deep.equal(['first 1', 'second 1', 'third 1']);
      emitter.removeListener('data', second);
      emitter.on('later', () => calls.push('later'));
      expect(emitter.emit('close'), 'a once listener').to.equal(true);
      expect(emitter.emit('close'), 'gone after it ran').to.equal(false);
      emitter.emit('data', 2);
      emitter.emit('later');
      expect(calls.slice(3)).to.deep.equal(['close', 'first 2', 'third 2', 'later']);
      expect(hasFastProperties(listenerTable(emitter)), 'still fast after removals and additions').to.equal(true);
      expect(emitter.listenerCount('close')).to.equal(0);
      emitter.removeAllListeners();
      expect(emitter.emit('data', 3)).to.equal(false);
    });

    it('a once listener ahead of others, and a compaction during the emit itself: every listener runs, as without it', function () {
      const emitter = new EventEmitter();
      const calls: string[] = [];
      emitter.once('close', () => calls.push('once'));
      emitter.on('close', () => calls.push('a')).on('close', () => calls.push('b'));
      compactListeners(emitter);
      emitter.emit('close');
      expect(calls, "Node 24 walks the array itself: its emit counter must survive the copy").to.deep.equal(['once', 'a', 'b']);
      const during = new EventEmitter();
      const seen: string[] = [];
      const first = (): void => {
        seen.push('first');
        compactListeners(during);
        during.removeListener('x', first);
      };
      during.on('x', first).on('x', () => seen.push('second')).on('x', () => seen.push('third'));
      during.emit('x');
      during.emit('x');
      expect(seen).to.deep.equal(['first', 'second', 'third', 'second', 'third']);
    });

    it('a compacted table inherits nothing: events named like Object.prototype members have no listener until one is added', function () {
      const emitter = new EventEmitter();
      emitter.on('data', () => undefined);
      compactListeners(emitter);
      for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
        expect(emitter.emit(name, 'x'), name).to.equal(false);
        expect(emitter.listenerCount(name), name).to.equal(0);
      }
      let proto = 0;
      emitter.on('__proto__', () => proto++);
      expect(emitter.emit('__proto__')).to.equal(true);
      expect(proto).to.equal(1);
      expect(Object.getPrototypeOf(Object.getPrototypeOf(listenerTable(emitter)))).to.equal(null);
    });

    it("a stream keeps its own table (already in shape mode); its listener arrays are copied, not shared", function () {
      const socket = new Socket();
      const listeners = [(): void => undefined, (): void => undefined, (): void => undefined];
      for (const listener of listeners) socket.on('close', listener);
      const table = listenerTable(socket);
      const array = (table as Record<string, unknown>).close;
      expect(compactListeners(socket)).to.equal(true);
      expect(listenerTable(socket)).to.equal(table);
      expect((table as Record<string, unknown>).close).to.not.equal(array);
      expect(socket.listeners('close')).to.deep.equal(listeners);
      socket.destroy();
    });

    it('a Socket.IO socket and its Engine.IO socket, compacted, still exchange events and are seen leaving', async function () {
      const pair = await socketPair();
      try {
        compactListeners(pair.server.conn);
        compactListeners(pair.server);
        expect(hasFastProperties(listenerTable(pair.server))).to.equal(true);
        expect(hasFastProperties(listenerTable(pair.server.conn))).to.equal(true);
        const echoed = nextEvent(pair.client, 'echo');
        pair.server.on('ping-me', (n: number) => pair.server.emit('echo', n + 1));
        pair.client.emit('ping-me', 1);
        expect(await echoed).to.deep.equal([2]);
        const left = once(pair.server, 'disconnect');
        pair.client.disconnect();
        expect(((await left) as [string])[0]).to.equal('client namespace disconnect');
      } finally {
        await pair.close();
      }
    });
  });

  describe('ws-receiver-buffers', function () {
    it("Engine.IO's ws Receiver still reads the mask as a view, waits in GET_DATA for the payload, and is ws's exported Receiver", function () {
      const source = readFileSync(join(root, 'node_modules', 'ws', 'lib', 'receiver.js'), 'utf8');
      expect(source).to.include(`const GET_DATA = ${GET_DATA};`);
      expect(source).to.include('this._mask = this.consume(4);');
      expect(source).to.include('if (this._bufferedBytes < this._payloadLength) {\n        this._loop = false;\n        return;\n      }');
      expect(Receiver).to.equal((WebSocket as unknown as { Receiver: unknown }).Receiver);
    });

    it('frames split anywhere, fragmented or large still arrive whole, and after each one the mask and the chunk list let go', async function () {
      installReceiverRelease();
      const server = new WebSocket.Server({ port: 0, host: '127.0.0.1' });
      await once(server, 'listening');
      const accepted = once(server, 'connection') as Promise<[WebSocket]>;
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      try {
        await once(client, 'open');
        const [peer] = await accepted;
        const receiver = (peer as unknown as { _receiver: ReceiverInternals })._receiver;
        const received: string[] = [];
        peer.on('message', (data: Buffer) => received.push(data.toString()));
        const settled = async (count: number): Promise<void> => {
          await waitFor(() => received.length === count, 5000, `${count} messages`);
          expect(receiver._mask, `after message ${count}: no mask`).to.equal(undefined);
          expect(receiver._buffers, `after message ${count}: no chunks`).to.have.length(0);
        };
        client.send('small');
        await settled(1);
        const big = 'y'.repeat(200_000);
        client.send(big);
        await settled(2);
        // A masked frame written in three pieces: the mask arrives before the payload, which is
        // split too; the mask must be kept while the payload is awaited.
        const payload = Buffer.from('split across writes');
        const mask = Buffer.from([0x11, 0x22, 0x33, 0x44]);
        const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
        const tcp = (client as unknown as { _socket: Socket })._socket;
        tcp.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask]));
        await sleep(30);
        tcp.write(masked.subarray(0, 5));
        await sleep(30);
        expect(receiver._mask, 'kept while the payload is awaited').to.not.equal(undefined);
        tcp.write(masked.subarray(5));
        await settled(3);
        client.send('a', { fin: false });
        client.send('b', { fin: true });
        await settled(4);
        expect(received.map((text) => (text.length > 40 ? `${text.length} bytes` : text))).to.deep.equal(['small', '200000 bytes', 'split across writes', 'ab']);
        expect(received[1]).to.equal(big);
      } finally {
        client.terminate();
        server.close();
      }
    });
  });

  describe('socket-io-exact-arrays', function () {
    it("a socket's middleware list and its decoder's 'decoded' listeners are copied, and both still run", async function () {
      const pair = await socketPair();
      try {
        const seen: unknown[] = [];
        pair.server.use((packet, next) => {
          seen.push(packet[0]);
          next();
        });
        const internals = pair.server as unknown as { fns: unknown[] };
        const fns = internals.fns;
        exactMiddleware(pair.server);
        expect(internals.fns).to.not.equal(fns);
        expect(internals.fns).to.deep.equal(fns);
        const decoder = (pair.server as unknown as { client: { decoder: { _callbacks: Record<string, unknown[]> } } }).client.decoder;
        const decoded = decoder._callbacks.$decoded;
        expect(decoded, "the decoder's 'decoded' listeners").to.be.an('array').with.length(1);
        exactEmitterListeners(decoder, 'decoded');
        expect(decoder._callbacks.$decoded).to.not.equal(decoded);
        expect(decoder._callbacks.$decoded).to.deep.equal(decoded);
        const echoed = nextEvent(pair.client, 'echo');
        pair.server.on('ping-me', (n: number) => pair.server.emit('echo', n + 1));
        pair.client.emit('ping-me', 1);
        expect(await echoed).to.deep.equal([2]);
        expect(seen).to.deep.equal(['ping-me']);
      } finally {
        await pair.close();
      }
    });
  });

  describe('node-socket-handle', function () {
    it("a TCP socket's _handle stops reading on readStop (bytes stay unread), closes the connection on close, and reads fd -1 once closed", async function () {
      const server = createTcpServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const accepted = once(server, 'connection') as Promise<[Socket]>;
      const peer = connect((server.address() as AddressInfo).port, '127.0.0.1');
      try {
        const [socket] = await accepted;
        const handle = socketHandle(socket);
        expect(handle?.readStop).to.be.a('function');
        expect(handle?.close).to.be.a('function');
        let read = 0;
        socket.on('data', (chunk: Buffer) => (read += chunk.length));
        socket.on('error', () => undefined);
        expect(handleClosed(handle!), 'an open handle').to.equal(false);
        expect(handle!.readStop!()).to.equal(0);
        peer.write('unread');
        await sleep(200);
        expect(read, 'bytes read after readStop').to.equal(0);
        // Closed with bytes unread, the connection is reset: the peer sees an error, then 'close'.
        peer.on('error', () => undefined);
        const closed = new Promise((resolve) => peer.once('close', resolve));
        handle!.close!();
        // socket-handoff.ts forgets a handed copy once Node has closed it: `fd` reads -1 from then on.
        expect(handleClosed(handle!), 'a closed handle').to.equal(true);
        await closed;
        socket.destroy();
        expect(socketHandle(socket)).to.equal(undefined);
      } finally {
        peer.destroy();
        server.close();
      }
    });
  });

  describe('redis-adapter-user-channels', function () {
    it('ShardedRedisAdapter still has the methods replaced, and they route as Herald expects', async function () {
      const prefix = `herald-patch-test-${process.pid}-${Date.now()}`;
      const pub = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
      const sub = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
      const published: { channel: string; kind: string }[] = [];
      let admitted = 0;
      let received = 0;
      const outage: OutageGate & { state: string } = {
        state: 'up',
        admit: () => void admitted++,
        publish: (channel, _payload, kind) => void published.push({ channel, kind }),
      };
      const http = createServer();
      const io = new Server(http, {
        adapter: userRoutedAdapter(createShardedAdapter(pub, sub, { channelPrefix: prefix, subscriptionMode: 'dynamic' }), outage, {
          isUserRoom: (room) => room.startsWith('u:'),
          isEphemeralPush: (packet) => Array.isArray(packet?.data) && packet.data[0] === 'message',
          onMessage: () => void received++,
        }),
      });
      try {
        const adapter = io.of('/').adapter as unknown as Record<string, unknown>;
        for (const method of ['shouldUseASeparateNamespace', 'computeChannel', 'dynamicChannel', 'encode', 'doPublish', 'broadcast', 'serverCount', 'onRawMessage']) {
          expect(Object.getPrototypeOf(adapter)[method], method).to.be.a('function');
        }
        expect(adapter.channel).to.equal(`${prefix}#/#`);
        expect(MessageType.BROADCAST).to.be.a('number');
        io.to('u:7').emit('message', { id: 'a' });
        io.to('topic').emit('other', 1);
        await waitFor(() => published.length >= 2, 5000, 'two publishes');
        expect(published).to.deep.equal([
          { channel: `${prefix}#/#u:7#`, kind: 'ephemeral-push' },
          { channel: `${prefix}#/#`, kind: 'other' },
        ]);
        expect(admitted).to.equal(1);
        // A broadcast another server published on the namespace channel is counted when it arrives
        // (the outage gate above records publishes without sending them, so nothing else arrives).
        const foreign = JSON.stringify({ uid: 'another-server', type: MessageType.BROADCAST, data: { packet: { type: 2, data: ['other', 1], nsp: '/' }, opts: { rooms: ['topic'], except: [], flags: {} } } });
        await waitFor(
          async () => {
            if (received === 0) await pub.spublish(`${prefix}#/#`, foreign);
            return received > 0;
          },
          5000,
          'a message from Redis counted',
        );
        expect(received).to.be.at.least(1);
        outage.state = 'down';
        const err = await io.of('/').adapter.serverCount().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(HeraldError);
        expect((err as HeraldError).code).to.equal('REDIS_UNAVAILABLE');
      } finally {
        await io.close();
        await Promise.all([pub.quit(), sub.quit()]);
      }
    });
  });

  describe('mysql2-connection', function () {
    it("the pool's 'connection' event hands out the callback connection, and a pool connection has its socket on connection.stream", async function () {
      const pool = createPool({ uri: 'mysql://root@127.0.0.1:3306/test', connectionLimit: 1 });
      const setup: Promise<Error | null> = new Promise((resolve) => {
        pool.on('connection', (connection) => {
          const answered = coreConnection(connection).query('SELECT 1', (err) => resolve(err));
          // The promise API would answer with a promise and never call back.
          expect(answered).to.not.be.instanceOf(Promise);
        });
      });
      try {
        const conn = await pool.getConnection();
        expect(await setup).to.equal(null);
        const stream = (conn.connection as unknown as { stream?: Socket }).stream;
        expect(stream).to.be.instanceOf(Socket);
        destroyConnection(conn);
        expect(stream!.destroyed).to.equal(true);
      } finally {
        await pool.end();
      }
    });
  });
});
