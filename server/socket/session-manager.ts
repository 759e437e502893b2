/**
 * Logged-in state of a socket: rooms per user and per user+platform, presence, the per-user
 * connection limit, and topic subscriptions that depend on who is logged in.
 */
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import type { Logger } from '../../shared/logger';
import type { LoginResult } from '../../shared/protocol';
import type { TopicPolicy } from '../../shared/topic-policy';
import type { Presence, PresenceEntry } from '../cluster/presence';
import type { Metrics } from '../metrics';
import type { EventContext } from './event-context';
import type { Kicker } from './kicker';
import type { ReplayPlan, ReplayService } from './replay-service';
import type { SeqGate } from './seq-gate';
import { identityRooms, isTopicPlatformRoom, subscribedTopics, topicPlatformRoom, topicRoom } from './rooms';
import type { HeraldSocket } from './types';

export interface SessionManagerDeps {
  config: HeraldConfig;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  presence: Presence;
  kicker: Kicker;
  topics: TopicPolicy;
  nodeId: string;
  /** Replay of stored messages on login (durable delivery); absent: live pushes only. */
  replay?: ReplayService;
  /** Per-device seq order (durable delivery): told when a socket's user changes. */
  gate?: SeqGate;
}

export class SessionManager {
  /** Logged-in sockets of this worker. */
  loggedIn = 0;

  constructor(private readonly deps: SessionManagerDeps) {}

  /**
   * Logs the socket in as `uid`; a socket logged in as someone else leaves that user first.
   * With durable delivery, the replay is left on `ctx.afterAnswer`, to be sent after the answer:
   * the socket's live pushes are held from before it joins its user's rooms until then.
   */
  async establish(ctx: EventContext, uid: string, platform: string, device: string | null): Promise<LoginResult> {
    const replay = this.deps.gate !== undefined ? this.deps.replay : undefined;
    try {
      return await this.join(ctx, uid, platform, device, replay);
    } catch (err) {
      this.deps.gate?.reset(ctx.socket); // let go of what was held; the next live seq refills
      throw err;
    }
  }

  private async join(ctx: EventContext, uid: string, platform: string, device: string | null, replay: ReplayService | undefined): Promise<LoginResult> {
    const { clock, config } = this.deps;
    const socket = ctx.socket;
    const data = socket.data;
    // A connection without a device id has no cursor: it starts after the user's newest seq,
    // read before it joins the user's rooms so that nothing committed later can slip past it.
    const start = replay !== undefined && device === null ? await replay.latest(uid).catch(() => undefined) : undefined;
    if (data.uid !== undefined && (data.uid !== uid || data.platform !== platform)) this.leaveIdentity(socket);
    if (replay !== undefined) this.deps.gate?.beginLogin(socket, uid);
    const wasLoggedIn = data.uid !== undefined;
    const now = clock.now();
    socket.join(identityRooms(uid, platform));
    data.uid = uid;
    data.platform = platform;
    data.device = device;
    data.loginAt = now;
    if (!wasLoggedIn) this.countLogin(+1);
    this.refreshTopics(socket);

    const entry: PresenceEntry = { sid: socket.id, uid, platform, device, nodeId: this.deps.nodeId, since: now };
    const entries = await this.deps.presence.add(entry).catch((err: Error) => {
      this.deps.logger.warn('presence unavailable; login proceeds without the per-user limit', { error: err.message });
      return [entry];
    });
    if (!socket.connected) {
      // Disconnected while presence was being written: the disconnect handler ran before the add.
      void this.deps.presence.remove(uid, socket.id).catch(() => undefined);
    } else {
      this.enforceLimit(socket, entries);
    }
    const result: LoginResult = {
      uid,
      platform,
      device,
      serverTime: now,
      idleTimeout: config.connection.idleTimeout,
      heartbeatInterval: config.connection.heartbeatInterval,
    };
    if (replay !== undefined && device !== null) {
      const plan: ReplayPlan | undefined = await replay.load(uid, device, platform);
      result.replay = replay.summary(plan);
      ctx.afterAnswer(() => this.deps.gate?.sendReplay(socket, plan));
    } else if (replay !== undefined) {
      ctx.afterAnswer(() => this.deps.gate?.sendReplay(socket, start === undefined ? undefined : { after: start, messages: [] }));
    }
    return result;
  }

  /** Logs the socket out; it stays connected, anonymous. */
  logout(socket: HeraldSocket): void {
    if (socket.data.uid === undefined) return;
    this.leaveIdentity(socket);
    this.refreshTopics(socket);
  }

  /** Called once when a socket disconnects. */
  onDisconnect(socket: HeraldSocket): void {
    if (socket.data.uid === undefined) return;
    this.countLogin(-1);
    void this.deps.presence.remove(socket.data.uid, socket.id).catch(() => undefined);
  }

  private leaveIdentity(socket: HeraldSocket): void {
    const { uid, platform } = socket.data;
    if (uid === undefined || platform === undefined) return;
    for (const room of identityRooms(uid, platform)) socket.leave(room);
    void this.deps.presence.remove(uid, socket.id).catch(() => undefined);
    socket.data.uid = undefined;
    socket.data.platform = undefined;
    socket.data.device = undefined;
    socket.data.loginAt = undefined;
    // Seqs are per user: what this socket was sent as the old one says nothing about the next.
    this.deps.gate?.reset(socket);
    socket.data.sentSeq = undefined;
    this.countLogin(-1);
  }

  private countLogin(delta: 1 | -1): void {
    this.loggedIn += delta;
    this.deps.metrics.loggedIn.inc(delta);
  }

  /**
   * After the identity changed: leave topics the new identity may not read, and move the
   * per-platform topic rooms to the current platform.
   */
  private refreshTopics(socket: HeraldSocket): void {
    const { uid, platform } = socket.data;
    for (const room of [...socket.rooms]) {
      if (isTopicPlatformRoom(room)) socket.leave(room);
    }
    for (const topic of subscribedTopics(socket.rooms)) {
      if (!this.deps.topics.allows(topic, uid)) {
        socket.leave(topicRoom(topic));
      } else if (uid !== undefined && platform !== undefined) {
        socket.join(topicPlatformRoom(topic, platform));
      }
    }
  }

  /** Beyond `maxConnectionsPerUser`, the oldest connections are kicked, wherever they are. */
  private enforceLimit(socket: HeraldSocket, entries: PresenceEntry[]): void {
    const max = this.deps.config.connection.maxConnectionsPerUser;
    const excess = entries.length - max;
    if (excess <= 0) return;
    const victims = entries.filter((e) => e.sid !== socket.id).slice(0, excess);
    this.deps.logger.info('per-user connection limit reached; kicking the oldest', { uid: socket.data.uid, kicked: victims.length, max });
    for (const victim of victims) void this.deps.presence.remove(victim.uid, victim.sid).catch(() => undefined);
    this.deps.kicker.kickEverywhere(
      victims.map((v) => v.sid),
      'too_many_connections',
      victims.length,
    );
  }
}
