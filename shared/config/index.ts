export { BUILT_IN_CRON_JOBS, loadConfig, parseEnvironment } from './load';
export type { LoadConfigOptions } from './load';
export { ENV_OVERRIDES, SPECIAL_VARIABLES } from './env-overrides';
export type { EnvOverride } from './env-overrides';
export type { ModeContext } from './environment';
export { resolveDb, resolveRedis, resolveTls } from './modes';
export { AppConfigSchema, DbConfigSchema, DEV_JWT_SECRET, ENVIRONMENTS, LOCAL_API_KEY, RedisConfigSchema } from './schema';
export type {
  AppConfig,
  CronJobConfig,
  DbConfig,
  DbFileConfig,
  Environment,
  HeraldConfig,
  RateConfig,
  RedisConfig,
  RedisConnection,
  RedisFileConfig,
  RedisNode,
  TlsConfig,
  TopicRule,
} from './schema';
