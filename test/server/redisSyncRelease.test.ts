import { afterAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { createGrantflow, defineClient, type SessionLock } from '../../src/index.js'
import { createRedisLock, createRedisSync, type RedisClientLike, type RedisLock, type RedisSync } from '../../src/server/index.js'
import { ACQUIRE } from '../../src/server/lock/redisScripts.js'
import { createPostgresStore, generateEncryptionKey } from '../../src/server/store/index.js'
import { useTestDatabase } from '../support/postgres.js'
import { testRedis, uniquePrefix } from '../support/redis.js'
import { countsSince, REDIRECT_URI, useMsw, vat, vatWorld, VRN } from '../support/vatWorld.js'

// Two server instances of one app (runtimes in one process, each with its own Postgres store
// client, Redis lock and Redis sync connections) on one expired token: the one that loses the
// lock is released by the holder's sync message, not by its next poll for the lock.

const server = useMsw()
const database = useTestDatabase()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const encryption = { current: { id: 'release', key: generateEncryptionKey() } }
const closing: (RedisLock | RedisSync)[] = []
const clients: Redis[] = []
afterAll(async () => {
  await Promise.all(closing.map((c) => c.close()))
  for (const client of clients) client.disconnect()
})

const tokenUrl = (input: RequestInfo | URL) => String(input instanceof Request ? input.url : input).endsWith('/token')
const bearer = (input: RequestInfo | URL, init?: RequestInit) => new Headers(input instanceof Request ? input.headers : init?.headers).get('authorization')

describe('instances sharing a Postgres store, the Redis lock and the Redis sync', () => {
  it("release the waiting instance's calls with the holder's tokens on its message: one token request, and the waiter never takes the lock", async () => {
    const { url } = await testRedis()
    const prefix = uniquePrefix('release-lock')
    const channel = uniquePrefix('release-sync')
    const openStore = () => createPostgresStore({ pool: database.pool(), schema: database.schema, table: 'sessions_release', encryption })
    const starter = vatWorld({ server, store: openStore() })
    await starter.grantflow.apis.vat.obligations(query)

    // The holder's token request is held until the waiter's calls are waiting on the lock.
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    let onHeld!: () => void
    const held = new Promise<void>((resolve) => (onHeld = resolve))
    // The waiter's lock asks Redis once (the holder has it), and its next polls wait until the
    // waiter's calls have an answer: its poll schedule, made so that the message, not a poll
    // that happens to come first, is what can release them.
    const real = new Redis(url)
    clients.push(real)
    let acquires = 0
    let answered!: () => void
    const callsAnswered = new Promise<void>((resolve) => (answered = resolve))
    let refused!: () => void
    const firstAskRefused = new Promise<void>((resolve) => (refused = resolve))
    const waiterRedis: RedisClientLike = {
      eval: async (script, keys, ...args) => {
        if (script !== ACQUIRE) return real.eval(script, keys, ...args)
        if (acquires++ > 0) await callsAnswered
        const fence = await real.eval(script, keys, ...args)
        if (Number(fence) === 0) refused()
        return fence
      },
      get: (key) => real.get(key),
    }
    // What each instance's lock did: its waits (each settles once the lock is taken and the task
    // done, or the wait stopped), and whether its task ran (the lock was taken).
    const instance = (name: 'holder' | 'waiter') => {
      const redisLock = createRedisLock({ redis: name === 'waiter' ? waiterRedis : url, prefix })
      const sync = createRedisSync({ redis: url, channel })
      closing.push(redisLock, sync)
      const waits: Promise<unknown>[] = []
      const tasksRun: string[] = []
      const lock: SessionLock = {
        runExclusive(key, task, options) {
          const wait = redisLock.runExclusive(
            key,
            (heldLock) => {
              tasksRun.push(key)
              return task(heldLock)
            },
            options,
          )
          waits.push(wait.catch(() => undefined))
          return wait
        },
      }
      const bearers: (string | null)[] = []
      const grantflow = createGrantflow({
        apis: { vat },
        clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
        environment: 'sandbox',
        apiUser: { company: () => 'acme-ltd' },
        now: starter.clock.now,
        store: openStore(),
        lock,
        sync: [sync],
        fetch: async (input, init) => {
          if (tokenUrl(input)) {
            if (name === 'holder') {
              onHeld()
              await released
            }
          } else bearers.push(bearer(input, init))
          return fetch(input, init)
        },
      })
      return { grantflow, waits, tasksRun, bearers }
    }
    const holder = instance('holder')
    const waiter = instance('waiter')
    // Both instances' subscriptions are up (Redis counts them) before anything is saved.
    const redis = new Redis(url)
    try {
      while ((((await redis.pubsub('NUMSUB', channel)) as [string, number])[1] ?? 0) < 2) await new Promise((resolve) => setTimeout(resolve, 5))
    } finally {
      redis.disconnect()
    }

    const since = countsSince(starter.kit)
    starter.clock.advance(FOUR_HOURS + 1)
    const holderCall = holder.grantflow.apis.vat.obligations(query)
    await held
    const waiterCalls = Array.from({ length: 20 }, () => waiter.grantflow.apis.vat.obligations(query))
    // The waiter's session asked Redis for the lock, and was refused, before the holder's request is let go.
    await firstAskRefused
    release()
    const outcomes = await Promise.allSettled([holderCall, ...waiterCalls])
    answered()
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    // Every wait for the lock has ended, one way or the other: what is counted below is final.
    await Promise.all([...holder.waits, ...waiter.waits])

    expect(since()).toMatchObject({ tokenRequests: 1, refreshes: 1, authorizations: 0 })
    const saved = (await openStore().list({ kind: 'company', id: 'acme-ltd' }))[0]!
    // The waiter's calls went out with the tokens the holder saved, though its lock could not be
    // taken before they had an answer: they were released by the message. And its lock task never
    // ran: its wait for the lock stopped with the adoption (before, it took the lock for nothing).
    expect(waiter.bearers).toHaveLength(20)
    expect(new Set(waiter.bearers)).toEqual(new Set([`Bearer ${saved.tokens!.accessToken}`]))
    expect(holder.tasksRun).toHaveLength(1)
    expect(waiter.waits).toHaveLength(1)
    expect(waiter.tasksRun).toEqual([])
    // A wait stopped by the adoption is no failure: nothing recorded on the session.
    expect(saved.errors).toEqual([])
  })
})
