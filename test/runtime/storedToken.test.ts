import { describe, expect, it } from 'vitest'
import { createMemoryStore, type SessionStore, type SyncPlugin } from '../../src/index.js'
import { countsSince, useMsw, vatWorld, VRN } from '../support/vatWorld.js'

// A call whose stored token is fresh needs no token session: it reads the record once, keeps it,
// and sends. The session (an actor, xstate with it) starts only when the token must be renewed,
// is refused, or a consent is needed; from then on it is the session's one authority.

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

/** A memory store that counts its reads. */
function countingStore(): SessionStore & { reads: number } {
  const store = createMemoryStore()
  const counting = { ...store, reads: 0 }
  counting.get = (key) => {
    counting.reads++
    return store.get(key)
  }
  return counting
}

/** alpha connected, then its live session let go (the runtime keeps one live): only the store has its token. */
async function alphaInTheStore(sync?: SyncPlugin) {
  let company = 'alpha'
  const store = countingStore()
  const world = vatWorld({ server, store, grantflow: { maxLiveSessions: 1, apiUser: { company: () => company }, ...(sync && { sync: [sync] }) } })
  const callAs = (name: string) => {
    company = name
    return world.grantflow.apis.vat.obligations(query)
  }
  await callAs('alpha')
  const [alpha] = await store.list({ kind: 'company', id: 'alpha' })
  for (const name of ['beta', 'gamma']) await callAs(name)
  expect(world.grantflow.tokenSession(alpha!.key)).toBeUndefined()
  return { ...world, store, callAs, alphaKey: alpha!.key, since: countsSince(world.kit) }
}

describe('a call with a fresh stored token', () => {
  it('is sent without starting a session, and reads the store once for many calls', async () => {
    const { grantflow, store, callAs, alphaKey, since } = await alphaInTheStore()
    const reads = store.reads
    for (let i = 0; i < 3; i++) expect(await callAs('alpha')).toEqual({ obligations: expect.any(Array) })
    expect(grantflow.tokenSession(alphaKey)).toBeUndefined()
    expect(store.reads - reads).toBe(1)
    expect(since()).toMatchObject({ tokenRequests: 0, authorizations: 0, apiCalls: 3 })
  })

  it('starts the session when the API refuses the token: one refresh, the call goes again, no consent', async () => {
    const { grantflow, kit, callAs, alphaKey, since } = await alphaInTheStore()
    await callAs('alpha')
    kit.expireAccessTokens()
    expect(await callAs('alpha')).toEqual({ obligations: expect.any(Array) })
    expect(since()).toMatchObject({ refreshes: 1, authorizations: 0 })
    expect(grantflow.tokenSession(alphaKey)?.getSnapshot().matches('valid')).toBe(true)
  })

  it('makes exactly one token request for 100 concurrent calls once the stored token is stale', async () => {
    const { clock, callAs, since } = await alphaInTheStore()
    await callAs('alpha')
    clock.advance(FOUR_HOURS + 1)
    const results = await Promise.all(Array.from({ length: 100 }, () => callAs('alpha')))
    expect(results.every((result) => Array.isArray((result as { obligations: unknown[] }).obligations))).toBe(true)
    expect(since()).toMatchObject({ tokenRequests: 1, refreshes: 1, authorizations: 0, apiCalls: 101 })
  })

  it('reads the store again when a sync plugin says another tab or instance changed the session', async () => {
    let tell: ((key: string) => void) | undefined
    const sync: SyncPlugin = { connect: (runtime) => void (tell = (key) => runtime.sessionChanged(key)), tokensSaved: () => undefined }
    const { store, callAs, alphaKey } = await alphaInTheStore(sync)
    await callAs('alpha')
    const reads = store.reads
    await callAs('alpha')
    expect(store.reads).toBe(reads)
    tell!(alphaKey)
    await callAs('alpha')
    expect(store.reads).toBe(reads + 1)
  })
})
