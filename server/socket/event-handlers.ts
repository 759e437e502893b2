/**
 * What each client event does. The router validates the payload with the handler's schema
 * before `run` sees it, and turns the result (or a thrown HeraldError) into the answer. A handler
 * gets an EventContext (the socket, and `afterAnswer` for work that must follow the answer), so
 * nothing here or in the session code needs to know how answers are sent.
 */
import type { ZodType, ZodTypeDef } from 'zod';
import type { Clock } from '../../shared/clock';
import type { HeraldConfig } from '../../shared/config';
import { HeraldError } from '../../shared/errors';
import {
  AckSchema,
  HeartbeatSchema,
  LoginSchema,
  LogoutSchema,
  ResyncSchema,
  TopicRequestSchema,
  type AckRequest,
  type ClientEventName,
} from '../../shared/protocol';
import type { TopicPolicy } from '../../shared/topic-policy';
import type { EventContext } from './event-context';
import type { LoginService } from './login-service';
import type { SeqGate } from './seq-gate';
import { subscribedTopics, topicPlatformRoom, topicRoom } from './rooms';
import type { SessionManager } from './session-manager';
import type { HeraldSocket } from './types';

export interface EventHandler<T = unknown> {
  schema: ZodType<T, ZodTypeDef, unknown>;
  /** A request with no payload at all is read as `{}`. */
  payloadOptional?: boolean;
  /** A plain function (the router calls it unbound): the answer's fields, or a HeraldError thrown. */
  run: (ctx: EventContext, payload: T) => Promise<object> | object;
}

/** Receives durable acks; the durable store plugs in here. */
export interface AckSink {
  ack(socket: HeraldSocket, request: AckRequest): Promise<void> | void;
}

export interface EventHandlerDeps {
  config: HeraldConfig;
  clock: Clock;
  logins: LoginService;
  sessions: SessionManager;
  topics: TopicPolicy;
  acks?: AckSink;
  /** Per-device seq order (durable delivery); absent without a store. */
  gate?: SeqGate;
}

function handler<T>(h: EventHandler<T>): EventHandler<unknown> {
  return h as EventHandler<unknown>;
}

export function createEventHandlers(deps: EventHandlerDeps): Readonly<Record<ClientEventName, EventHandler>> {
  return {
    login: handler({
      schema: LoginSchema,
      run: (ctx, payload) => deps.logins.login(ctx, payload),
    }),
    logout: handler({
      schema: LogoutSchema,
      payloadOptional: true,
      run: ({ socket }) => {
        deps.sessions.logout(socket);
        return {};
      },
    }),
    heartbeat: handler({
      schema: HeartbeatSchema,
      payloadOptional: true,
      run: () => ({ serverTime: deps.clock.now() }),
    }),
    ack: handler({
      schema: AckSchema,
      run: async ({ socket }, payload) => {
        if (socket.data.uid === undefined) throw new HeraldError('NOT_LOGGED_IN', 'log in before acknowledging pushes');
        await deps.acks?.ack(socket, payload);
        return {};
      },
    }),
    resync: handler({
      schema: ResyncSchema,
      run: async ({ socket }, { after }) => {
        const gate = deps.gate;
        if (socket.data.uid === undefined) throw new HeraldError('NOT_LOGGED_IN', 'log in before asking for a resync');
        if (gate === undefined) return { through: 0 };
        return { through: await gate.resync(socket, after) };
      },
    }),
    subscribe: handler({
      schema: TopicRequestSchema,
      run: ({ socket }, { topic }) => {
        const room = topicRoom(topic);
        if (socket.rooms.has(room)) return {};
        if (!deps.topics.allows(topic, socket.data.uid)) {
          throw new HeraldError(
            socket.data.uid === undefined ? 'NOT_LOGGED_IN' : 'FORBIDDEN',
            `not allowed to subscribe to ${topic}`,
          );
        }
        const max = deps.config.connection.maxTopicsPerConnection;
        if (subscribedTopics(socket.rooms).length >= max) {
          throw new HeraldError('FORBIDDEN', `at most ${max} topics per connection`);
        }
        socket.join(room);
        const { uid, platform } = socket.data;
        if (uid !== undefined && platform !== undefined) socket.join(topicPlatformRoom(topic, platform));
        return {};
      },
    }),
    unsubscribe: handler({
      schema: TopicRequestSchema,
      run: ({ socket }, { topic }) => {
        socket.leave(topicRoom(topic));
        if (socket.data.platform !== undefined) socket.leave(topicPlatformRoom(topic, socket.data.platform));
        return {};
      },
    }),
  };
}
