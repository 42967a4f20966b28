import type { RedisOptions } from 'ioredis'
import { ACQUIRE, RELEASE, RENEW } from './redisScripts.js'
import { CancelledError } from '../../errors.js'
import { createInProcessLock, LOCK_LEASE_MS, type HeldLock, type SessionLock } from '../../runtime/lock.js'

/**
 * ioredis's connection options (its `RedisOptions`), for a client grantflow makes: typed by shape,
 * not imported from ioredis, so that grantflow/server's declarations type-check for an app that
 * does not install it. Any of ioredis's options is taken; they are handed to `new Redis(...)` as
 * they are.
 */
export interface RedisConnectionOptions {
  host?: string
  port?: number
  /** A Unix socket, instead of host and port. */
  path?: string
  username?: string
  password?: string
  db?: number
  // `any`, not `unknown`: an ioredis `RedisOptions` (an interface, without an index signature) is
  // assignable only to an index signature of `any`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [option: string]: any
}

/** What the lock needs of a Redis client: ioredis's `eval` and `get` (and `status`, when it has one). An ioredis client is one. */
export interface RedisClientLike {
  eval(script: string, numberOfKeys: number, ...args: (string | number)[]): Promise<unknown>
  get(key: string): Promise<string | null>
  status?: string
  quit?(): Promise<unknown>
}

/** Where the lock reports that Redis went away and came back (default: `console`). */
export interface LockLogger {
  warn(message: string): void
  info?(message: string): void
}

export interface RedisLockOptions {
  /** An ioredis client (the lock leaves it open), or the options or URL to make one (closed by `close()`). */
  redis: RedisClientLike | RedisConnectionOptions | string
  /** Prefix of the lock's keys (default `grantflow:lock:`): one per app sharing a Redis. */
  prefix?: string
  /**
   * How long a lock outlives a holder that stopped renewing it (default 10 s): a killed instance
   * keeps the others out this long at most. The lease is renewed every third of it while the task runs.
   */
  ttlMs?: number
  /** How long a Redis command may take before Redis counts as unreachable (default 2 s). */
  commandTimeoutMs?: number
  logger?: LockLogger
}

export interface RedisLock extends SessionLock {
  /**
   * Shuts the lock down: holders that wait for a key stop (`CancelledError`), as does any task
   * asked for afterwards; the ones running finish (within their lease) and free their keys; then
   * the Redis client the lock made is closed (not one it was given: close the lock first).
   */
  close(): Promise<void>
}

const DEFAULT_TTL_MS = 10_000
const DEFAULT_COMMAND_TIMEOUT_MS = 2_000
/**
 * How long a key's fencing counter outlives its last holder (at least): a day, or twice the lease
 * when that is longer. Every holder's lease, and its local turn, ended long before, so when the
 * counter starts again at 1 no holder of an older fence can still be writing.
 */
const FENCE_TTL_MS = 24 * 3600_000
/** Waiters poll for a free lock from this delay, doubling up to the next one (with jitter). */
const FIRST_POLL_MS = 10
const MAX_POLL_MS = 250

class RedisUnreachable extends Error {
  override name = 'RedisUnreachable'
}

/**
 * A lock per session key across every instance sharing a Redis, so a rotated refresh token is
 * presented once however many instances need it renewed. Each holder sets the key with a random
 * owner token (SET NX PX), renews its lease while its task runs and frees it by compare-and-delete;
 * the task's `signal` aborts when the lease can no longer be proven (renewal refused, Redis silent
 * past the lease) or `leaseMs` runs out. Holders get a growing fencing token and `stillHeld()`,
 * which grantflow checks before it writes renewed tokens.
 *
 * What it keeps in Redis, per session key: the lock (`{prefix}{key}`) while it is held, for a
 * `ttlMs` at most past its last renewal, and the fencing counter (`{prefix}{key}:fence`) for a
 * day after the key was last locked (twice `leaseMs` if longer). A session not refreshed for a
 * day leaves nothing.
 *
 * Within one instance, holders of a key take turns in process first, so a Redis outage costs the
 * cross-instance guarantee only: the lock then runs tasks single-flight in this process, with one
 * logged warning, and uses Redis again once it answers. A session is never lost to an outage.
 *
 * @example
 * import { createRedisLock } from 'grantflow/server'
 * const grantflow = createGrantflow({ ..., store, lock: createRedisLock({ redis: process.env.REDIS_URL! }) })
 */
export function createRedisLock(options: RedisLockOptions): RedisLock {
  const prefix = options.prefix ?? 'grantflow:lock:'
  const ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
  const logger = options.logger ?? console
  const owned = !isClient(options.redis)
  const client = owned ? makeClient(options.redis as RedisOptions | string, commandTimeoutMs) : Promise.resolve(options.redis as RedisClientLike)
  // Holders of a key in this process take turns here before asking Redis (see above).
  const local = createInProcessLock()
  let degraded = false
  // Closing is not an outage: waiters stop, nothing runs without the lock (see close()).
  let closed: CancelledError | undefined
  // One per waiter, not one signal for all: a long-lived signal would keep every AbortSignal.any made of it.
  const waiters = new Set<AbortController>()
  // The holds running and the releases on their way, which close() lets finish.
  const running = new Set<Promise<unknown>>()
  const track = (work: Promise<unknown>) => {
    running.add(work)
    const done = () => running.delete(work)
    work.then(done, done)
  }

  const command = async <T>(run: (redis: RedisClientLike) => Promise<T>): Promise<T> => {
    const redis = await client
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnreachable(`no answer within ${commandTimeoutMs} ms`)), commandTimeoutMs)
    })
    try {
      return await Promise.race([run(redis), timeout])
    } finally {
      clearTimeout(timer)
    }
  }
  const wentAway = (error: unknown) => {
    if (degraded) return
    degraded = true
    const name = (error as { name?: unknown } | null)?.name
    logger.warn(
      `grantflow: Redis is unreachable (${typeof name === 'string' ? name : 'error'}); refreshes are single-flight in this process only until it answers`,
    )
  }
  const answered = () => {
    if (!degraded) return
    degraded = false
    logger.info?.('grantflow: Redis answers again; refreshes are single-flight across instances')
  }
  /** While degraded, a client that says it is not connected is not asked (each ask would wait for the timeout). */
  const skipRedis = async () => degraded && ((await client).status ?? 'ready') !== 'ready'

  /** Waits for the key's lock in Redis: the holder's owner token and fence, or undefined when Redis does not answer. */
  const acquire = async (lockKey: string, fenceKey: string, ttl: number, fenceTtl: number, stop: AbortSignal) => {
    const token = crypto.randomUUID()
    let delay = FIRST_POLL_MS
    let heldByAnother = false
    for (;;) {
      stop.throwIfAborted()
      const sentAt = Date.now()
      let fence: number
      try {
        fence = Number(await command((redis) => redis.eval(ACQUIRE, 2, lockKey, fenceKey, token, ttl, fenceTtl)))
      } catch (error) {
        // The client closed under the ask (a shutdown): the lock refuses, it does not fall back.
        if (closed) throw closed
        wentAway(error)
        // Another instance held the key when Redis last answered: it may still be refreshing, and
        // it can prove its lease for a ttl from before this ask at most. Running now would present
        // the refresh token it is rotating; after, its tokens are in the store to adopt.
        if (heldByAnother) await sleep(Math.max(0, sentAt + ttl - Date.now()), stop)
        return undefined
      }
      answered()
      if (fence > 0) {
        // Taken while its waiter stopped waiting (the ask was on its way): given back at once.
        if (stop.aborted) {
          await command((redis) => redis.eval(RELEASE, 1, lockKey, token)).catch(() => undefined)
          stop.throwIfAborted()
        }
        return { token, fence, sentAt }
      }
      heldByAnother = true
      await sleep(delay / 2 + Math.random() * delay, stop)
      delay = Math.min(delay * 2, MAX_POLL_MS)
    }
  }

  /** Runs the task holding the Redis lock: renews it, aborts the task when it cannot be proven held, frees it after. */
  const hold = async <T>(
    lockKey: string,
    acquired: { token: string; fence: number; sentAt: number },
    ttl: number,
    leaseMs: number,
    outer: AbortSignal,
    task: (held: HeldLock) => Promise<T>,
  ): Promise<T> => {
    const { token, fence } = acquired
    const controller = new AbortController()
    // Measured from before the SET was sent: the key may have lived that long already.
    let provenUntil = acquired.sentAt + ttl
    const release = () => track(command((redis) => redis.eval(RELEASE, 1, lockKey, token)).catch(() => undefined))
    const stopRenewing = () => {
      clearInterval(renewal)
      clearTimeout(leaseEnd)
    }
    const lose = (reason: string) => {
      stopRenewing()
      if (!controller.signal.aborted) controller.abort(new DOMException(reason, 'TimeoutError'))
    }
    const renewal = setInterval(() => {
      const sentAt = Date.now()
      command((redis) => redis.eval(RENEW, 1, lockKey, token, ttl)).then(
        (renewed) => (Number(renewed) === 1 ? (provenUntil = sentAt + ttl) : lose('the lock was lost to another holder')),
        // Unanswered: given up a renewal period before the key could expire, after which another instance may hold it.
        () => Date.now() + ttl / 3 >= provenUntil && lose('the lock could not be renewed'),
      )
    }, ttl / 3)
    const leaseEnd = setTimeout(() => {
      lose('lease ran out')
      release()
    }, leaseMs)
    const onOuterAbort = () => lose('lease ran out')
    outer.addEventListener('abort', onOuterAbort, { once: true })
    try {
      return await task({
        signal: controller.signal,
        fence,
        stillHeld: async () => {
          if (controller.signal.aborted) return false
          try {
            return (await command((redis) => redis.get(lockKey))) === token
          } catch {
            // Unreachable: held as long as the last renewal proves it.
            return Date.now() < provenUntil
          }
        },
      })
    } finally {
      outer.removeEventListener('abort', onOuterAbort)
      stopRenewing()
      release()
    }
  }

  return {
    runExclusive(key, task, lockOptions) {
      const leaseMs = lockOptions?.leaseMs ?? LOCK_LEASE_MS
      const ttl = Math.min(ttlMs, leaseMs)
      // Hash-tagged: the lock and its counter live in one slot of a Redis Cluster.
      const lockKey = `${prefix}{${key}}`
      const fenceKey = `${prefix}{${key}}:fence`
      // The local turn covers the wait for another instance's lease as well as this holder's.
      return local.runExclusive(
        key,
        async (localHeld) => {
          if (closed) throw closed
          // Redis away: single-flight in this process, which the local turn already is, for the lease.
          const inProcess = () => task({ signal: AbortSignal.any([localHeld.signal, AbortSignal.timeout(leaseMs)]) })
          if (await skipRedis()) return inProcess()
          const waiter = new AbortController()
          waiters.add(waiter)
          const stop = AbortSignal.any([localHeld.signal, waiter.signal, ...(lockOptions?.signal ? [lockOptions.signal] : [])])
          const acquired = await acquire(lockKey, fenceKey, ttl, Math.max(FENCE_TTL_MS, 2 * leaseMs), stop).finally(() => waiters.delete(waiter))
          if (!acquired) return inProcess()
          const held = hold(lockKey, acquired, ttl, leaseMs, localHeld.signal, task)
          track(held)
          return held
        },
        { leaseMs: 2 * leaseMs },
      )
    },
    async close() {
      closed ??= new CancelledError('the lock was closed')
      for (const waiter of waiters) waiter.abort(closed)
      // Holders finish and free their keys before the client quits (a hold ends by sending its release).
      while (running.size > 0) await Promise.allSettled([...running])
      if (owned) await (await client).quit?.().catch(() => undefined)
    },
  }
}

function isClient(value: RedisLockOptions['redis']): value is RedisClientLike {
  return typeof value === 'object' && typeof (value as { eval?: unknown }).eval === 'function'
}

/** A client the lock owns: commands fail fast while disconnected (the lock falls back), it reconnects by itself. */
async function makeClient(source: RedisOptions | string, commandTimeoutMs: number): Promise<RedisClientLike> {
  const { Redis } = await import('ioredis')
  const settings: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: commandTimeoutMs }
  const redis = typeof source === 'string' ? new Redis(source, settings) : new Redis({ ...settings, ...source })
  // The lock logs the outage once; ioredis would print every failed reconnection.
  redis.on('error', () => undefined)
  return redis as unknown as RedisClientLike
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
