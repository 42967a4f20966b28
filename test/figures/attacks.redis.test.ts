import { afterAll, expect, it } from 'vitest'
import { createGrantflow } from '../../src/index.js'
import { createPostgresStore, createRedisLock, generateEncryptionKey, type PostgresSessionStore } from '../../src/server/index.js'
import { COMPANY, localWorld, useOidcServer, vatApi, VRN } from '../integration/localWorld.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { useTestDatabase } from '../support/postgres.js'
import { testRedis, uniquePrefix } from '../support/redis.js'

// What the Redis side of server mode gives whoever can slow it or write to it, against the
// real Redis: a token endpoint slower than the lock's lease, against oidc-provider rotating
// refresh tokens with reuse detection (a spent refresh token presented again revokes the whole
// grant). Each counts on the suite's `attacks:` line.

const oidc = useOidcServer()
const database = useTestDatabase()
const encryption = { current: { id: 'attacks-redis', key: generateEncryptionKey() } }
const HOUR = 3600_000
const query = { vrn: VRN }
const opened: { close(): Promise<void> }[] = []
afterAll(() => Promise.all(opened.map((o) => o.close())))
let tables = 0

function attack(label: string, run: (figure: ReturnType<typeof recordFigure>) => Promise<void>, timeout?: number) {
  it(
    label,
    async (context: FigureTask) => {
      const figure = recordFigure(context, { group: 'attacks', label, facts: { rejected: false }, counts: { tokenChanges: 0 } })
      await run(figure)
      figure.facts!.rejected = true
    },
    timeout,
  )
}

/** A store on a table of its own, shared by the instances given it. */
function sharedStore(table = `attacks_redis_${++tables}`): PostgresSessionStore {
  const store = createPostgresStore({ connectionString: database.url, schema: database.schema, table, encryption })
  opened.push(store)
  return store
}

/** A fetch whose token requests take `ms` longer to reach the provider (a slow token endpoint). */
function slowTokenEndpoint(ms: number): typeof fetch {
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url.endsWith('/token')) await new Promise((resolve) => setTimeout(resolve, ms))
    return fetch(input, init)
  }
}

/** An instance of the app on the shared store, its own Redis lock, its clock `ahead` of real time. */
function instance(store: PostgresSessionStore, lock: ReturnType<typeof createRedisLock>, options: { ahead: number; fetch?: typeof fetch }) {
  const server = oidc()
  return createGrantflow({
    apis: { vat: vatApi(server) },
    clients: { local: server.clients.public },
    environment: 'local',
    apiUser: { company: () => COMPANY.id },
    interaction: 'none',
    store,
    lock,
    now: () => Date.now() + options.ahead,
    ...(options.fetch && { fetch: options.fetch }),
  })
}

attack('a token endpoint slower than the Redis lock’s lease makes a second instance present the rotating refresh token', async () => {
  const { url } = await testRedis()
  const store = sharedStore()
  const seed = localWorld(oidc(), { grantflow: { store } })
  await seed.grantflow.apis.vat.obligations(query)
  const recorded = oidc().recordFromNow()
  const prefix = uniquePrefix('slow-refresh')
  // The lease (300 ms) runs out five times over while the refresh is on its way.
  const locks = Array.from({ length: 3 }, () => createRedisLock({ redis: url, prefix, ttlMs: 300, logger: { warn: () => undefined } }))
  opened.push(...locks)
  const instances = locks.map((lock) => instance(store, lock, { ahead: HOUR, fetch: slowTokenEndpoint(1_500) }))
  const outcomes = await Promise.allSettled(instances.flatMap((grantflow) => Array.from({ length: 20 }, () => grantflow.apis.vat.obligations(query))))

  expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
  // One refresh reached the provider: the lease was renewed while it was in flight.
  expect(recorded.requestsTo('token', 'refresh_token')).toHaveLength(1)
  // The grant lives: an hour later another instance refreshes with the rotated token, no consent.
  const later = instance(store, locks[0]!, { ahead: 2 * HOUR + 60_000 })
  await expect(later.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
  expect(recorded.requestsTo('token', 'refresh_token')).toHaveLength(2)
  expect(recorded.requestsTo('authorization')).toHaveLength(0)
})
