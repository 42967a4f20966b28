import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, expect, it, vi } from 'vitest'
import { createGrantflow, type SessionStore, type SyncPlugin } from '../../src/index.js'
import { createPostgresStore, createRedisLock, createRedisSync, generateEncryptionKey, type PostgresSessionStore } from '../../src/server/index.js'
import { COMPANY, localWorld, useOidcServer, vatApi, VRN } from '../integration/localWorld.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { useTestDatabase } from '../support/postgres.js'
import { testRedis, uniquePrefix } from '../support/redis.js'

// What the Redis side of server mode gives whoever can slow it or write to it, against the
// real Redis and oidc-provider rotating refresh tokens with reuse detection (a spent refresh
// token presented again revokes the whole grant): a token endpoint slower than the lock's lease,
// and messages forged on the sync channel by anyone who can publish there. Each counts on the
// suite's `attacks:` line.

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

/** An instance of the app on the shared store, its own Redis lock (or none), its clock `ahead` of real time. */
function instance(
  store: SessionStore,
  lock: ReturnType<typeof createRedisLock> | undefined,
  options: { ahead: number; fetch?: typeof fetch; sync?: SyncPlugin[] },
) {
  const server = oidc()
  return createGrantflow({
    apis: { vat: vatApi(server) },
    clients: { local: server.clients.public },
    environment: 'local',
    apiUser: { company: () => COMPANY.id },
    interaction: 'none',
    store,
    ...(lock && { lock }),
    now: () => Date.now() + options.ahead,
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.sync && { sync: options.sync }),
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

/**
 * A consented session in a store of its own, and an instance on it listening to a sync channel
 * with its session live (a view follows it), whose store reads are counted; `publish` is anyone
 * who can write to the channel.
 */
async function listeningInstance() {
  const { url } = await testRedis()
  const store = sharedStore()
  const seed = localWorld(oidc(), { grantflow: { store } })
  await seed.grantflow.apis.vat.obligations(query)
  const [session] = await store.list(COMPANY)
  const key = session!.key
  let reads = 0
  const counted: SessionStore = { ...store, get: (k) => (reads++, store.get(k)) }
  const channel = uniquePrefix('sync-channel')
  const sync = createRedisSync({ redis: url, channel })
  opened.push(sync)
  const grantflow = instance(counted, undefined, { ahead: 0, sync: [sync] })
  await grantflow.apis.vat.obligations(query)
  await grantflow.tokenSessionFor({ api: 'vat', endpoint: 'obligations', params: query })
  const attacker = new Redis(url)
  opened.push({ close: async () => void attacker.disconnect() })
  // Subscribed once a message it is sent reaches it (another instance's, genuine).
  const genuine = JSON.stringify({ origin: randomUUID(), key })
  await vi.waitFor(
    async () => {
      const before = reads
      await attacker.publish(channel, genuine)
      await vi.waitFor(() => expect(reads).toBeGreaterThan(before), { timeout: 500 })
    },
    { timeout: 10_000 },
  )
  const live = () => grantflow.tokenSession(key)?.getSnapshot().context.tokens
  const storedTokens = async () => (await store.get(key))!.tokens!
  return { store, seed, key, grantflow, live, storedTokens, reads: () => reads, publish: (message: string) => attacker.publish(channel, message), genuine }
}

attack('a message forged on the sync channel hands an instance the attacker’s tokens for the victim’s session', async (figure) => {
  const { grantflow, key, live, storedTokens, publish } = await listeningInstance()
  const before = JSON.stringify(await storedTokens())
  const attackerTokens = {
    accessToken: 'attacker-access-token',
    refreshToken: 'attacker-refresh-token',
    expiresAt: Date.now() + 10 * HOUR,
    receivedAt: Date.now() + HOUR,
  }
  for (const message of [
    { origin: randomUUID(), key, tokens: attackerTokens },
    { origin: randomUUID(), key, ...attackerTokens, type: 'TOKENS_RECEIVED' },
  ])
    await publish(JSON.stringify(message))
  // Keys that pollute prototypes when merged into an object.
  await publish(`{"origin":"${randomUUID()}","key":${JSON.stringify(key)},"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`)
  // What the instance serves: the stored tokens, read from its store, which the API accepts.
  await expect(grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
  expect(live()?.accessToken).toBe((await storedTokens()).accessToken)
  expect(JSON.stringify(live())).not.toContain('attacker')
  figure.counts!.tokenChanges = before === JSON.stringify(await storedTokens()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
})

attack('malformed messages on the sync channel crash the subscriber or stop it listening', async () => {
  const { grantflow, seed, key, live, storedTokens, publish, reads } = await listeningInstance()
  const readsBefore = reads()
  for (const message of [
    'not json',
    'null',
    '[]',
    '42',
    '"a string"',
    '{}',
    '{"origin":null,"key":null}',
    `{"origin":"${randomUUID()}","key":42}`,
    `{"origin":"${randomUUID()}","key":{"toString":"x"}}`,
    `{"origin":"not-a-uuid","key":${JSON.stringify(key)}}`,
    `{"origin":"${randomUUID()}","key":""}`,
    `{"origin":"${randomUUID()}","key":"with spaces and\nnewlines"}`,
    `{"origin":"${randomUUID()}","key":"${'k'.repeat(2_000)}"}`,
    `{"origin":"${randomUUID()}","key":${JSON.stringify(key)},"pad":"${'x'.repeat(1_000_000)}"}`,
    '{"origin":',
    '\u0000\uffff',
  ])
    await publish(message)
  // None of them was read as a change: no store read.
  await expect(grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
  expect(reads() - readsBefore).toBe(0)
  // Still listening: tokens another instance saves reach its live session.
  seed.clock.advance(HOUR)
  await seed.grantflow.apis.vat.obligations(query)
  const refreshed = (await storedTokens()).accessToken
  await publish(JSON.stringify({ origin: randomUUID(), key }))
  await vi.waitFor(() => expect(live()?.accessToken).toBe(refreshed))
})

attack('a flood of forged messages for a live session turns each into a store read on every instance', async () => {
  const { grantflow, seed, key, live, storedTokens, publish, reads, genuine } = await listeningInstance()
  const readsBefore = reads()
  const FLOOD = 2_000
  await Promise.all(Array.from({ length: FLOOD }, () => publish(genuine)))
  // The last one is not lost: the instance reads the store once more after the flood.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const flooded = reads() - readsBefore
  expect(flooded).toBeGreaterThan(0)
  expect(flooded).toBeLessThan(FLOOD / 20)
  // And it still takes what another instance saves.
  seed.clock.advance(HOUR)
  await seed.grantflow.apis.vat.obligations(query)
  const refreshed = (await storedTokens()).accessToken
  await publish(JSON.stringify({ origin: randomUUID(), key }))
  await vi.waitFor(() => expect(live()?.accessToken).toBe(refreshed))
  await expect(grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
})
