import type { Redis, RedisOptions } from 'ioredis'
import type { SyncPlugin } from '../../sync/plugin.js'
import type { RedisConnectionOptions } from '../lock/redisLock.js'

/**
 * What the sync needs of a Redis client it is given: ioredis's `publish`, and `duplicate` for the
 * subscription's own connection. An ioredis client is one; typed by shape, so that
 * grantflow/server's declarations need no ioredis for an app that does not install it.
 */
export interface RedisPubSubClientLike {
  publish(channel: string, message: string): Promise<unknown>
  duplicate(): RedisSubscriberLike
}

/** The subscription's connection, as {@link RedisPubSubClientLike.duplicate} makes it. */
export interface RedisSubscriberLike {
  on(event: 'message', listener: (channel: string, message: string) => void): unknown
  on(event: 'error', listener: (error: Error) => void): unknown
  subscribe(channel: string): Promise<unknown>
  quit(): Promise<unknown>
}

export interface RedisSyncOptions {
  /** An ioredis client (duplicated for the subscription; both left open), or the options or URL to make one. */
  redis: RedisPubSubClientLike | RedisConnectionOptions | string
  /** The pub/sub channel (default `grantflow:sessions`): one per app sharing a Redis. */
  channel?: string
}

export interface RedisSync extends SyncPlugin {
  /** Closes the connections the plugin made. */
  close(): Promise<void>
}

/** The longest message read: a session key and an origin fit many times over; anything longer is not parsed. */
const MAX_MESSAGE_LENGTH = 4_096
/** However many messages name a key, this runtime is told of it once per window at most (and once more at its end). */
const WINDOW_MS = 100

/**
 * Keeps server instances that share a session store in step, through Redis pub/sub: when one
 * saves new tokens (a callback it completed, a refresh), the others' live sessions take them
 * from the store, so the instance that started a consent does not ask for it again. Only the
 * session key crosses the channel, never a token.
 *
 * Whoever can publish on the channel can do no more than make an instance read a session from
 * its store: a message is read only as "the session with key K changed", anything else in it is
 * ignored, one that is not well formed (JSON `{ origin, key }`, a printable key of 1 kB at most,
 * 4 kB in all) is dropped, and a key named again and again is read once per 100 ms at most.
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
      // Keys told of in the current window, and whether they were named again since (told at its end).
      const windows = new Map<string, { again: boolean }>()
      const timers = new Set<ReturnType<typeof setTimeout>>()
      const tell = (key: string) => {
        try {
          runtime.sessionChanged(key)
        } catch {
          // The runtime's own failure: the subscription goes on.
        }
      }
      const changed = (key: string) => {
        const window = windows.get(key)
        if (window) return void (window.again = true)
        windows.set(key, { again: false })
        tell(key)
        const timer = setTimeout(() => {
          timers.delete(timer)
          const ended = windows.get(key)
          windows.delete(key)
          if (ended?.again && listening) changed(key)
        }, WINDOW_MS)
        timers.add(timer)
      }
      void subscriber
        .then(async (redis) => {
          redis.on('message', (from: unknown, message: unknown) => {
            if (!listening || from !== channel) return
            const parsed = parse(message)
            if (parsed && parsed.origin !== origin) changed(parsed.key)
          })
          await redis.subscribe(channel)
        })
        .catch(() => undefined)
      return () => {
        listening = false
        for (const timer of timers) clearTimeout(timer)
        timers.clear()
        windows.clear()
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

/** `tokensSaved` messages: the sender runtime, a random UUID, and a session key (URI-encoded parts, printable ASCII, 1 kB at most). */
const ORIGIN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const KEY = /^[\x21-\x7e]{1,1024}$/

/** A message as `tokensSaved` sends it, or undefined: only its origin and key are read, never more. */
function parse(message: unknown): { origin: string; key: string } | undefined {
  if (typeof message !== 'string' || message.length > MAX_MESSAGE_LENGTH) return undefined
  let value: unknown
  try {
    value = JSON.parse(message)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  const { origin, key } = value as { origin?: unknown; key?: unknown }
  return typeof origin === 'string' && ORIGIN.test(origin) && typeof key === 'string' && KEY.test(key) ? { origin, key } : undefined
}

async function makeClient(source: RedisOptions | string): Promise<Redis> {
  const { Redis } = await import('ioredis')
  const redis = typeof source === 'string' ? new Redis(source) : new Redis(source)
  redis.on('error', () => undefined)
  return redis
}
