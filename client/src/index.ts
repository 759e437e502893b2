/**
 * Herald's client SDK: `new HeraldClient({ endpoint, credentials })`. This barrel is both the
 * browser bundle's entry (dist/sdk/herald.js, built by client/build.mjs) and the Node entry
 * (dist/client/src/index.js). See docs/CLIENT.md.
 */
export { HeraldClient } from './herald-client';
export type { ExtraSocketOptions, HeraldClientOptions } from './client-options';
export { systemClock } from './clock';
export type { Clock, TimerHandle } from './clock';
export { DEFAULT_CLIENT_POLICY } from './policy';
export type { ClientPolicy, PolicyOverrides } from './policy';
export { DEFAULT_ACK_BATCHER_OPTIONS } from './ack-batcher';
export type { AckBatcherOptions } from './ack-batcher';
export { MemoryStorage } from './storage';
export { LIFECYCLE_EVENTS } from './types';
export type { KeyValueStorage } from './storage';
export type { EndpointInfo } from './endpoint-cache';
export type {
  ClientErrorCode,
  ClientSnapshot,
  ClientState,
  ConnectedInfo,
  Credentials,
  DisconnectedInfo,
  DisconnectReason,
  DurableSnapshot,
  FailedInfo,
  HeartbeatSnapshot,
  HeraldErrorBody,
  HeraldLifecycleEvents,
  LifecycleEventName,
  LoginFailure,
  PushHandler,
  PushMeta,
  ReconnectingInfo,
  ReconnectSnapshot,
  RequestAnswer,
  ServerErrorCode,
} from './types';
export type { KickPayload, KickReason, LoginResult } from '../../shared/protocol/client-payloads';
