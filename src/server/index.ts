// grantflow/server: what a Node server adds to grantflow (Node 20+). Nothing here is reachable
// from the browser entry: `grantflow` never imports this file.
export { createRedisLock, type LockLogger, type RedisClientLike, type RedisConnectionOptions, type RedisLock, type RedisLockOptions } from './lock/redisLock.js'
export {
  consentRedirect,
  createGrantflowHandlers,
  type ConsentCookieOptions,
  type GrantflowHandlerOptions,
  type GrantflowHandlers,
  type HandledRuntime,
  type RequestHandler,
} from './handlers/index.js'
export { createRedisSync, type RedisPubSubClientLike, type RedisSubscriberLike, type RedisSync, type RedisSyncOptions } from './sync/redisSync.js'
export { toNodeListener } from './adapters/node.js'
export { clientCertificateFetch, type ClientCertificateOptions } from '../node/clientCertificateFetch.js'
export { honoHandler, mountGrantflow } from './adapters/hono.js'
export { mountGrantflowExpress, sendWebResponse } from './adapters/express.js'
export * from './store/index.js'
