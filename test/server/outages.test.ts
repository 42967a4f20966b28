import { afterAll, describe, expect, it } from 'vitest'
import { createGrantflow, type GrantflowOptions } from '../../src/index.js'
import { createPostgresStore, createRedisLock, generateEncryptionKey, type PostgresSessionStore, type RedisLock } from '../../src/server/index.js'
import { COMPANY, localWorld, useOidcServer, vatApi, VRN } from '../integration/localWorld.js'
import { startPrivatePostgres, useTestDatabase } from '../support/postgres.js'
import { closedPort, startRedisOn, uniquePrefix } from '../support/redis.js'

// Instances of one app sharing the Postgres store, against oidc-provider rotating refresh tokens
// (a spent refresh token presented again revokes the grant): what a user's calls see when Redis
// goes away in the middle of a stampede, and when Postgres restarts between calls.

const oidc = useOidcServer()
const database = useTestDatabase()
const encryption = { current: { id: 'outages', key: generateEncryptionKey() } }
const query = { vrn: VRN }
const HOUR = 3600_000
const opened: { close(): Promise<void> }[] = []
afterAll(() => Promise.all(opened.map((o) => o.close())))
let tables = 0

/** A fetch that holds the first token request until `release()`, and says when it holds it. */
function holdingFetch() {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let onHeld!: () => void
  const held = new Promise<void>((resolve) => (onHeld = resolve))
  let holding = false
  const hold: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url.endsWith('/token') && !holding) {
      holding = true
      onHeld()
      await released
    }
    return fetch(input, init)
  }
  return { fetch: hold, held, release }
}

function instance(store: PostgresSessionStore, options: Partial<GrantflowOptions<{ vat: ReturnType<typeof vatApi> }>>) {
  const server = oidc()
  return createGrantflow({
    apis: { vat: vatApi(server) },
    clients: { local: server.clients.public },
    environment: 'local',
    apiUser: { company: () => COMPANY.id },
    interaction: 'none',
    store,
    ...options,
  })
}

/** A store on a table of its own, or on `table` (another instance's). */
function sharedStore(connectionString = database.url, schema: string | undefined = database.schema, table = `outages_${++tables}`) {
  const store = createPostgresStore({ connectionString, ...(schema && { schema }), table, encryption })
  opened.push(store)
  return store
}

describe('a Redis outage during a stampede', () => {
  it('loses no session and fails no call when Redis stops while one instance refreshes: the others wait out its lease and take its tokens', async () => {
    const redis = await startRedisOn(await closedPort())
    const store = sharedStore()
    const seed = localWorld(oidc(), { grantflow: { store } })
    await seed.grantflow.apis.vat.obligations(query)
    const recorded = oidc().recordFromNow()
    const hold = holdingFetch()
    const warnings: string[] = []
    // A lease long enough that the holder, which cannot renew it once Redis is gone, still holds it when its refresh is answered.
    const prefix = uniquePrefix('outage')
    const locks: RedisLock[] = Array.from({ length: 4 }, () =>
      createRedisLock({ redis: redis.url, prefix, ttlMs: 6_000, commandTimeoutMs: 500, logger: { warn: (m) => void warnings.push(m) } }),
    )
    opened.push(...locks)
    const instances = locks.map((lock) => instance(store, { lock, fetch: hold.fetch, now: () => Date.now() + HOUR }))

    const calls = instances.flatMap((grantflow) => Array.from({ length: 100 }, () => grantflow.apis.vat.obligations(query)))
    // One instance holds the lock and its refresh is on its way; the others wait for the lock. Redis stops.
    await hold.held
    await redis.stop()
    // Every waiting instance finds Redis gone (one warning each) before the refresh is answered.
    for (let waited = 0; warnings.length < 3 && waited < 100; waited++) await new Promise((resolve) => setTimeout(resolve, 50))
    hold.release()
    const outcomes = await Promise.allSettled(calls)

    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    expect(recorded.requestsTo('token', 'refresh_token')).toHaveLength(1)
    expect(recorded.requestsTo('authorization')).toHaveLength(0)
    expect(warnings.length).toBeGreaterThanOrEqual(3)
    // The session is the refreshed one: a new instance (Redis still down) calls with no token request.
    const lateLock = createRedisLock({ redis: redis.url, prefix, commandTimeoutMs: 500, logger: { warn: () => undefined } })
    opened.push(lateLock)
    const late = instance(store, { lock: lateLock, now: () => Date.now() + HOUR })
    await expect(late.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    expect(recorded.requestsTo('token')).toHaveLength(1)
  }, 60_000)
})

describe('a Postgres restart between calls', () => {
  it('loses no session: after the restart a call refreshes and saves, and another instance takes the saved tokens', async () => {
    const postgres = await startPrivatePostgres()
    try {
      const store = sharedStore(postgres.url, undefined, 'sessions')
      const seed = localWorld(oidc(), { grantflow: { store } })
      await seed.grantflow.apis.vat.obligations(query)
      const recorded = oidc().recordFromNow()
      await postgres.restart()

      // The access token expires after the restart: the refresh is read from and written to the restarted server.
      seed.clock.advance(HOUR)
      await expect(seed.grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
      const other = instance(sharedStore(postgres.url, undefined, 'sessions'), { now: seed.clock.now })
      await expect(other.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
      expect(recorded.requestsTo('token', 'refresh_token')).toHaveLength(1)
      expect(recorded.requestsTo('authorization')).toHaveLength(0)
    } finally {
      await Promise.all(opened.splice(0).map((o) => o.close()))
      await postgres.stop()
    }
  }, 120_000)
})
