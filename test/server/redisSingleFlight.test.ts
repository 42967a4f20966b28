import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { CancelledError, createGrantflow, createMemoryStore, defineClient } from '../../src/index.js'
import { createRedisLock, createRedisSync, type RedisLock } from '../../src/server/index.js'
import { countsSince, REDIRECT_URI, useMsw, vat, vatWorld, VRN } from '../support/vatWorld.js'
import { closedPort, testRedis, uniquePrefix } from '../support/redis.js'

// Server instances of one app (here, runtimes in one process, each with its own Redis
// connection) sharing a session store and the Redis lock, against a provider that rotates refresh
// tokens and refuses a spent one.

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const locks: RedisLock[] = []
afterAll(() => Promise.all(locks.map((lock) => lock.close())))

describe('instances sharing a store and the Redis lock', () => {
  it('refresh an expired token once for concurrent calls on every instance, and every call succeeds', async () => {
    const { url } = await testRedis()
    const prefix = uniquePrefix('single-flight')
    const store = createMemoryStore()
    const starter = vatWorld({ server, store })
    await starter.grantflow.apis.vat.obligations(query)
    const instances = Array.from({ length: 4 }, () => {
      const lock = createRedisLock({ redis: url, prefix })
      locks.push(lock)
      return createGrantflow({
        apis: { vat },
        clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
        environment: 'sandbox',
        apiUser: { company: () => 'acme-ltd' },
        now: starter.clock.now,
        store,
        lock,
      })
    })
    const since = countsSince(starter.kit)
    starter.clock.advance(FOUR_HOURS + 1)
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => instances[i % 4]!.apis.vat.obligations(query)))
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    expect(since().refreshes).toBe(1)
    expect(since().authorizations).toBe(0)
    // What the refresh left in Redis: the session's fencing counter, which expires.
    const redis = new Redis(url)
    try {
      const keys = await redis.keys(`${prefix}*`)
      expect(keys.filter((key) => key.endsWith(':fence'))).toHaveLength(1)
      for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0)
    } finally {
      redis.disconnect()
    }
  })

  it('log no outage when one shuts down (lock and sync closed, Redis up) while its calls wait for another instance’s refresh', async () => {
    const { url } = await testRedis()
    const prefix = uniquePrefix('shutdown')
    const channel = uniquePrefix('shutdown-sync')
    const store = createMemoryStore()
    const starter = vatWorld({ server, store })
    await starter.grantflow.apis.vat.obligations(query)
    const logged: string[] = []
    const logger = { warn: (m: string) => void logged.push(m), info: (m: string) => void logged.push(m) }
    // The running instance's token request is held until the other one has shut down.
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let onHeld!: () => void
    const held = new Promise<void>((resolve) => (onHeld = resolve))
    const holdingFetch: typeof fetch = async (input, init) => {
      if (String(input instanceof Request ? input.url : input).endsWith('/token')) {
        onHeld()
        await released
      }
      return fetch(input, init)
    }
    const [running, stopping] = [holdingFetch, fetch].map((instanceFetch) => {
      const lock = createRedisLock({ redis: url, prefix, logger })
      const sync = createRedisSync({ redis: url, channel })
      locks.push(lock)
      const grantflow = createGrantflow({
        apis: { vat },
        clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
        environment: 'sandbox',
        apiUser: { company: () => 'acme-ltd' },
        now: starter.clock.now,
        store,
        lock,
        sync: [sync],
        fetch: instanceFetch,
      })
      return { grantflow, close: () => Promise.allSettled([lock.close(), sync.close()]) }
    })
    const since = countsSince(starter.kit)
    starter.clock.advance(FOUR_HOURS + 1)
    const served = Array.from({ length: 20 }, () => running!.grantflow.apis.vat.obligations(query))
    await held
    const cut = Array.from({ length: 20 }, () => stopping!.grantflow.apis.vat.obligations(query).catch((error: unknown) => error))
    // Its calls now wait for the lock, polling Redis; it shuts down.
    await new Promise((resolve) => setTimeout(resolve, 100))
    await stopping!.close()
    release()
    expect((await Promise.allSettled(served)).filter((o) => o.status === 'rejected')).toEqual([])
    const outcomes = await Promise.all(cut)
    // A shutdown, not an outage.
    expect(logged).toEqual([])
    // The instance that shut down sent no token request, without the lock or with it: its calls were cancelled.
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(CancelledError)
    expect(since().refreshes).toBe(1)
    await running!.close()
    expect(logged).toEqual([])
  })

  it('still refresh once per instance while Redis is down, with one warning, and lose no session', async () => {
    const warnings: string[] = []
    const lock = createRedisLock({ redis: `redis://127.0.0.1:${await closedPort()}`, commandTimeoutMs: 500, logger: { warn: (m) => void warnings.push(m) } })
    locks.push(lock)
    const { grantflow, kit, clock } = vatWorld({ server, grantflow: { lock } })
    await grantflow.apis.vat.obligations(query)
    const since = countsSince(kit)
    clock.advance(FOUR_HOURS + 1)
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => grantflow.apis.vat.obligations(query)))
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    expect(since().refreshes).toBe(1)
    expect(warnings).toHaveLength(1)
    // The renewed tokens are the session's: the next call needs nothing.
    await grantflow.apis.vat.obligations(query)
    expect(since()).toMatchObject({ refreshes: 1, authorizations: 0 })
  })
})
