import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createRedisLock, type LockLogger, type RedisLock } from '../../src/server/index.js'
import { CancelledError, type HeldLock } from '../../src/index.js'
import { closedPort, startRedisOn, testRedis, uniquePrefix } from '../support/redis.js'

// What the Redis lock does beyond the lock contract (test/testing/lockContract.test.ts, which
// checks exclusion, fencing, leases, waiters and close() across two instances): renewal, what it
// leaves in Redis, a lock taken from its holder, shutdown without an outage logged, and Redis
// going away. Two lock instances stand for two server instances: each has its own Redis connection.

const opened: RedisLock[] = []
const raw: Redis[] = []
afterAll(async () => {
  await Promise.all(opened.map((lock) => lock.close()))
  raw.forEach((redis) => redis.disconnect())
})

async function instances(name: string, count: number, options: { ttlMs?: number } = {}) {
  const { url } = await testRedis()
  const prefix = uniquePrefix(name)
  const locks = Array.from({ length: count }, () => createRedisLock({ redis: url, prefix, ...options }))
  opened.push(...locks)
  const redis = new Redis(url)
  raw.push(redis)
  return { locks, prefix, redis, lockKey: (key: string) => `${prefix}{${key}}` }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))

/** Records who holds a key when, so overlapping holders show. */
function holders() {
  let active = 0
  let most = 0
  const log: string[] = []
  return {
    log,
    most: () => most,
    async hold(name: string, ms: number) {
      active++
      most = Math.max(most, active)
      log.push(`${name} in`)
      await sleep(ms)
      log.push(`${name} out`)
      active--
      return name
    },
  }
}

describe('the Redis lock across instances', () => {
  it('keeps the lock past its TTL while the holder runs: its lease is renewed', async () => {
    const { locks } = await instances('renewal', 2, { ttlMs: 300 })
    const record = holders()
    const first = locks[0]!.runExclusive('session-1', () => record.hold('first', 1_200))
    await sleep(100)
    const second = locks[1]!.runExclusive('session-1', () => record.hold('second', 1))
    await Promise.all([first, second])
    expect(record.log).toEqual(['first in', 'first out', 'second in', 'second out'])
  })

  it('lets the next holder in when a holder vanished without freeing its lock (a killed instance)', async () => {
    const { locks, redis, lockKey } = await instances('vanished', 1, { ttlMs: 400 })
    // What a killed instance leaves: its owner token, no one renewing it.
    await redis.set(lockKey('session-1'), 'the-killed-instance', 'PX', 400)
    const ran = await locks[0]!.runExclusive('session-1', async () => 'ran after the lease ran out')
    expect(ran).toBe('ran after the lease ran out')
  })

  it('aborts a holder whose lock was taken from it, and tells it before it writes', async () => {
    const { locks, redis, lockKey } = await instances('lost', 1, { ttlMs: 300 })
    let held!: HeldLock
    const stillHeld: boolean[] = []
    await locks[0]!.runExclusive('session-1', async (h) => {
      held = h
      stillHeld.push(await h.stillHeld!())
      // Another owner's token in its place: a partition healed the wrong way, a lease misjudged.
      await redis.set(lockKey('session-1'), 'someone-else', 'PX', 5_000)
      stillHeld.push(await h.stillHeld!())
      await aborted(h.signal)
    })
    expect(stillHeld).toEqual([true, false])
    expect(held.signal.aborted).toBe(true)
    // Not freed by the one who lost it.
    expect(await redis.get(lockKey('session-1'))).toBe('someone-else')
  })

  it('leaves no key without an expiry: the fencing counter lives a day past the last holder, the lock its lease', async () => {
    const { locks, redis, prefix, lockKey } = await instances('bounded', 1)
    const DAY = 24 * 3600_000
    // Ten sessions refreshed once each, one of them ten times.
    for (let i = 0; i < 10; i++) await locks[0]!.runExclusive(`session-${i}`, async () => undefined)
    for (let i = 0; i < 9; i++) await locks[0]!.runExclusive('session-0', async () => undefined)
    // The lock is freed by compare-and-delete right after the task: wait for it.
    for (let attempt = 0; attempt < 50 && (await redis.exists(lockKey('session-0'))); attempt++) await sleep(20)
    const keys = (await redis.keys(`${prefix}*`)).sort()
    expect(keys).toEqual(Array.from({ length: 10 }, (_, i) => `${lockKey(`session-${i}`)}:fence`).sort())
    for (const key of keys) {
      const ttl = await redis.pttl(key)
      expect(ttl).toBeGreaterThan(DAY - 60_000)
      expect(ttl).toBeLessThanOrEqual(DAY)
    }
    expect(await redis.get(`${lockKey('session-0')}:fence`)).toBe('10')
  })

  it('gives the fencing counter its lifetime again at each holder, and one left without expiry by an older version gets one', async () => {
    const { locks, redis, lockKey } = await instances('fence-lifetime', 1)
    const fenceKey = `${lockKey('session-1')}:fence`
    // What an older grantflow left: a counter with no expiry.
    await redis.set(fenceKey, '41')
    expect(await redis.pttl(fenceKey)).toBe(-1)
    expect(await locks[0]!.runExclusive('session-1', async (held) => held.fence)).toBe(42)
    expect(await redis.pttl(fenceKey)).toBeGreaterThan(3600_000)
    // Close to expiry, then locked again: a day again, and the count goes on.
    await redis.pexpire(fenceKey, 5_000)
    expect(await locks[0]!.runExclusive('session-1', async (held) => held.fence)).toBe(43)
    expect(await redis.pttl(fenceKey)).toBeGreaterThan(3600_000)
  })
})

describe('the Redis lock shut down while Redis is up', () => {
  const quiet = () => {
    const logged: string[] = []
    return { logged, logger: { warn: (m: string) => void logged.push(m), info: (m: string) => void logged.push(m) } }
  }

  it('stops a waiter with CancelledError and logs no outage: the task never runs while another instance holds the key', async () => {
    const { url } = await testRedis()
    const prefix = uniquePrefix('shutdown-waiter')
    const { logged, logger } = quiet()
    const [running, closing] = [createRedisLock({ redis: url, prefix, logger }), createRedisLock({ redis: url, prefix, logger })]
    opened.push(running, closing)
    let finish!: () => void
    let onStarted!: () => void
    const started = new Promise<void>((resolve) => (onStarted = resolve))
    const first = running.runExclusive('session-1', () => {
      onStarted()
      return new Promise<void>((resolve) => (finish = resolve))
    })
    await started
    let ran = false
    // A refresh this instance was still waiting for when it shut down (its caller may be gone: it took the tokens through sync).
    const waiting = closing.runExclusive('session-1', async () => void (ran = true)).catch((error: unknown) => error)
    // Closed between two of its polls, or during one.
    await sleep(100)
    await closing.close()
    expect(await waiting).toBeInstanceOf(CancelledError)
    expect(ran).toBe(false)
    await expect(closing.runExclusive('session-2', async () => 'ran')).rejects.toBeInstanceOf(CancelledError)
    finish()
    await first
    expect(logged).toEqual([])
  })

  it('lets a running holder finish and free its key before the client quits', async () => {
    const { url } = await testRedis()
    const prefix = uniquePrefix('shutdown-holder')
    const { logged, logger } = quiet()
    const lock = createRedisLock({ redis: url, prefix, logger })
    opened.push(lock)
    const redis = new Redis(url)
    raw.push(redis)
    let finish!: () => void
    let onStarted!: () => void
    const started = new Promise<void>((resolve) => (onStarted = resolve))
    const holding = lock.runExclusive('session-1', () => {
      onStarted()
      return new Promise<string>((resolve) => (finish = () => resolve('saved')))
    })
    // It holds the key (its refresh is on its way) when the instance shuts down.
    await started
    expect(await redis.exists(`${prefix}{session-1}`)).toBe(1)
    const closed = lock.close()
    finish()
    await closed
    expect(await holding).toBe('saved')
    // Freed, not left for its TTL: another instance gets in at once.
    expect(await redis.exists(`${prefix}{session-1}`)).toBe(0)
    expect(logged).toEqual([])
  })
})

describe('the Redis lock when Redis is unreachable', () => {
  const logger = () => {
    const warnings: string[] = []
    const infos: string[] = []
    const log: LockLogger = { warn: (m) => void warnings.push(m), info: (m) => void infos.push(m) }
    return { log, warnings, infos }
  }

  it('falls back to single-flight in this process, with one logged warning', async () => {
    const { log, warnings } = logger()
    const lock = createRedisLock({ redis: `redis://127.0.0.1:${await closedPort()}`, prefix: uniquePrefix('down'), logger: log, commandTimeoutMs: 500 })
    opened.push(lock)
    const record = holders()
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => lock.runExclusive('session-1', () => record.hold(`task ${i}`, 10))))
    expect(results).toHaveLength(8)
    expect(record.most()).toBe(1)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/Redis is unreachable/)
  })

  it('uses Redis again once it answers', async () => {
    const { log, warnings, infos } = logger()
    const port = await closedPort()
    const lock = createRedisLock({ redis: `redis://127.0.0.1:${port}`, prefix: uniquePrefix('back'), logger: log, commandTimeoutMs: 500 })
    opened.push(lock)
    const fenceWhileDown = await lock.runExclusive('session-1', async (held) => held.fence)
    expect(fenceWhileDown).toBeUndefined()
    const redis = await startRedisOn(port)
    try {
      let fence: number | undefined
      // The client reconnects by itself; the lock asks Redis again once it is connected.
      for (let attempt = 0; attempt < 100 && fence === undefined; attempt++) {
        fence = await lock.runExclusive('session-1', async (held) => held.fence)
        if (fence === undefined) await sleep(100)
      }
      expect(fence).toBe(1)
      expect(warnings).toHaveLength(1)
      expect(infos).toEqual([expect.stringMatching(/Redis answers again/)])
    } finally {
      await lock.close()
      await redis.stop()
    }
  })
})
