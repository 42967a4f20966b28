import { describe, expect, it } from 'vitest'
import { createGrantflow, createInProcessLock, defineClient, InvalidCallbackError } from '../../src/index.js'
import { createPostgresStore, generateEncryptionKey } from '../../src/server/store/index.js'
import { useTestDatabase } from '../support/postgres.js'
import { countsSince, REDIRECT_URI, useMsw, vat, vatWorld, VRN } from '../support/vatWorld.js'

// Runtimes of one app sharing the Postgres store, each on its own pool as separate instances
// are: the consent started by one completes on another, the code is exchanged once, and a
// refresh made by one is the tokens every other one uses.

const server = useMsw()
const database = useTestDatabase()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const encryption = { current: { id: 'shared', key: generateEncryptionKey() } }
let tables = 0

function sharedTable() {
  const table = `sessions_${++tables}`
  return () => createPostgresStore({ pool: database.pool(), schema: database.schema, table, encryption })
}

describe('runtimes sharing the Postgres store', () => {
  it('exchange a code once when two receive its callback, and refresh once for all of them', async () => {
    const openStore = sharedTable()
    const starter = vatWorld({ server, user: 'none', store: openStore() })
    const instance = (lock = createInProcessLock()) =>
      createGrantflow({
        apis: { vat },
        clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
        environment: 'sandbox',
        apiUser: { company: () => 'acme-ltd' },
        now: starter.clock.now,
        store: openStore(),
        lock,
      })
    const [first, second] = [instance(), instance()]
    const consent = await starter.grantflow.apis.vat.obligations(query).catch((e) => e)
    const callback = await starter.kit.authorize(consent.authorizationUrl)
    const outcomes = await Promise.allSettled([
      first.completeAuthorization(callback, { binding: consent.binding }),
      second.completeAuthorization(callback, { binding: consent.binding }),
    ])
    expect(starter.kit.counters.tokenRequestsByGrant.authorization_code).toBe(1)
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    const refused = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected')!.reason
    expect(refused).toBeInstanceOf(InvalidCallbackError)
    expect(['code_already_used', 'no_pending_authorization']).toContain(refused.reason)

    // The token expires; the instance that completed refreshes, and new instances take the
    // tokens it stored.
    const winner = outcomes[0]!.status === 'fulfilled' ? first : second
    const since = countsSince(starter.kit)
    starter.clock.advance(FOUR_HOURS + 1)
    await expect(winner.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    await expect(instance().apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    await expect(instance().apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    expect(since()).toMatchObject({ refreshes: 1, authorizations: 0, apiCalls: 3 })
    expect(starter.kit.counters.authorizations).toBe(1)
  })

  it('share one refresh between runtimes on one lock calling at once', async () => {
    const openStore = sharedTable()
    const lock = createInProcessLock()
    const world = vatWorld({ server, store: openStore(), grantflow: { lock } })
    await world.grantflow.apis.vat.obligations(query)
    const others = [0, 1, 2].map(() =>
      createGrantflow({
        apis: { vat },
        clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
        environment: 'sandbox',
        apiUser: { company: () => 'acme-ltd' },
        now: world.clock.now,
        store: openStore(),
        lock,
      }),
    )
    const since = countsSince(world.kit)
    world.clock.advance(FOUR_HOURS + 1)
    const results = await Promise.allSettled(
      [world.grantflow, ...others].flatMap((grantflow) => [grantflow.apis.vat.obligations(query), grantflow.apis.vat.obligations(query)]),
    )
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    expect(since()).toMatchObject({ refreshes: 1, authorizations: 0, apiCalls: 8 })
  })
})
