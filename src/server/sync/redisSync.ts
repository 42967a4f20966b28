import type { Redis, RedisOptions } from 'ioredis'
import type { SyncPlugin } from '../../sync/plugin.js'

export interface RedisSyncOptions {
  /** An ioredis client (duplicated for the subscription; both left open), or the options or URL to make one. */
  redis: Redis | RedisOptions | string
  /** The pub/sub channel (default `grantflow:sessions`): one per app sharing a Redis. */
  channel?: string
}

export interface RedisSync extends SyncPlugin {
  /** Closes the connections the plugin made. */
  close(): Promise<void>
}

/**
 * Keeps server instances that share a session store in step, through Redis pub/sub: when one
 * saves new tokens (a callback it completed, a refresh), the others' live sessions take them
 * from the store, so the instance that started a consent does not ask for it again. Only the
 * session key crosses the channel, never a token.
 *
 * @example
 * createGrantflow({ ..., store, lock: createRedisLock({ redis }), sync: [createRedisSync({ redis })] })
 */
export function createRedisSync(options: RedisSyncOptions): RedisSync {
  const channel = options.channel ?? 'grantflow:sessions'
  // This runtime's own messages are not read back.
  const origin = crypto.randomUUID()
  const given = typeof options.redis === 'object' && typeof (options.redis as { publish?: unknown }).publish === 'function'
  const publisher: Promise<Redis> = given ? Promise.resolve(options.redis as Redis) : makeClient(options.redis as RedisOptions | string)
  // A subscribed connection runs nothing else: its own.
  const subscriber = publisher.then((redis) => {
    const duplicate = redis.duplicate()
    duplicate.on('error', () => undefined)
    return duplicate
  })
  return {
    connect(runtime) {
      let listening = true
      void subscriber
        .then(async (redis) => {
          redis.on('message', (from: string, message: string) => {
            if (!listening || from !== channel) return
            const parsed = parse(message)
            if (parsed && parsed.origin !== origin) runtime.sessionChanged(parsed.key)
          })
          await redis.subscribe(channel)
        })
        .catch(() => undefined)
      return () => {
        listening = false
      }
    },
    tokensSaved(sessionKey) {
      // Best effort: an instance that misses it reads the store at its next renewal.
      void publisher.then((redis) => redis.publish(channel, JSON.stringify({ origin, key: sessionKey }))).catch(() => undefined)
    },
    async close() {
      await (await subscriber).quit().catch(() => undefined)
      if (!given) await (await publisher).quit().catch(() => undefined)
    },
  }
}

function parse(message: string): { origin: string; key: string } | undefined {
  try {
    const value = JSON.parse(message) as { origin?: unknown; key?: unknown }
    return typeof value.origin === 'string' && typeof value.key === 'string' ? { origin: value.origin, key: value.key } : undefined
  } catch {
    return undefined
  }
}

async function makeClient(source: RedisOptions | string): Promise<Redis> {
  const { Redis } = await import('ioredis')
  const redis = typeof source === 'string' ? new Redis(source) : new Redis(source)
  redis.on('error', () => undefined)
  return redis
}
