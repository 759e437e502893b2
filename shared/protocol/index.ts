export {
  DEVICE_PATTERN,
  EVENT_PATTERN,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_CREDENTIAL_LENGTH,
  MAX_REASON_LENGTH,
  PLATFORM_PATTERN,
  RESERVED_EVENTS,
  TOPIC_PATTERN,
  UID_PATTERN,
} from './limits';
export {
  AckSchema,
  HandshakeAuthSchema,
  HeartbeatSchema,
  KickRequestSchema,
  LoginSchema,
  LogoutSchema,
  DEFAULT_PUSH_REQUEST_LIMITS,
  PushRequestSchema,
  ResyncSchema,
  pushRequestSchema,
  TopicRequestSchema,
  describeZodError,
} from './schemas';
export { UidSchema } from './fields';
export { pushRequestChecker, quickPushItem, quickPushRequest } from './push-quick-check';
export type { PushRequestChecker, QuickPushItem } from './push-quick-check';
export { PUSH_TARGETS, PushTargetSchema, routeTarget, TARGET_KINDS, targetKind } from './push-targets';
export type { PushTarget, PushTargetSpec, TargetKind, TargetRooms, TargetRoute } from './push-targets';
export type {
  AckRequest,
  HandshakeAuth,
  HeartbeatRequest,
  KickRequest,
  LoginRequest,
  LogoutRequest,
  PushRequest,
  PushRequestLimits,
  ResyncRequest,
  TopicRequest,
} from './schemas';
export { KICK_RECONNECTS } from './events';
export { checkJsonShape, describeJsonShapeProblem, FORBIDDEN_JSON_KEYS } from './json-shape';
export type { JsonShapeProblem } from './json-shape';
export type {
  Answer,
  BulkDelivery,
  AnswerCallback,
  ClientEventName,
  ClientToServerEvents,
  ErrorAnswer,
  HeartbeatResult,
  InterServerEvents,
  KickPayload,
  KickReason,
  LoginResult,
  PushPayload,
  RejectedPayload,
  ResyncResult,
  ServerToClientEvents,
  SocketData,
} from './events';
