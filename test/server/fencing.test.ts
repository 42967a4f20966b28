import { describe, expect, it } from 'vitest'
import { createInProcessLock, createMemoryStore, type SessionLock } from '../../src/index.js'
import { countsSince, useMsw, vatWorld, VRN } from '../support/vatWorld.js'

// The fencing check before renewed tokens are written: a holder whose distributed lease was lost
// during its refresh (a stalled process, a partition) must not write over a later holder's tokens,
// and must still keep its own when no one else wrote (they are the only live ones: its refresh
// token is spent).

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
const company = { kind: 'company' as const, id: 'acme-ltd' }

/** A lock whose holders learn, when they check before writing, that they lost it; `meanwhile` is what the later holder did. */
function losingLock(meanwhile: () => Promise<void> = async () => undefined): SessionLock {
  const inner = createInProcessLock()
  return {
    runExclusive: (key, task, options) =>
      inner.runExclusive(
        key,
        (held) =>
          task({
            ...held,
            stillHeld: async () => {
              await meanwhile()
              return false
            },
          }),
        options,
      ),
  }
}

describe('a refresh whose lease was lost before its tokens were written', () => {
  it('keeps the tokens a later holder wrote, even ones this runtime thinks stale', async () => {
    const store = createMemoryStore()
    let laterHolderWrites = false
    const world = vatWorld({
      server,
      store,
      user: 'none',
      grantflow: {
        lock: losingLock(async () => {
          if (!laterHolderWrites) return
          laterHolderWrites = false
          const current = (await store.list(company))[0]!
          // Its tokens, read by a clock behind this one: stale here, but the newest there are.
          const later = { ...current.tokens!, accessToken: 'at-later-holder', refreshToken: 'rt-later-holder', expiresAt: world.clock.now() - 1 }
          await store.set({ ...current, tokens: later, version: current.version! + 1 }, current.version)
        }),
      },
    })
    // Consent, the server way (no navigator: no consent is asked for later either).
    const consent = await world.grantflow.apis.vat.obligations(query).catch((e) => e)
    await world.grantflow.completeAuthorization(await world.kit.authorize(consent.authorizationUrl), { binding: consent.binding })
    world.clock.advance(FOUR_HOURS + 1)
    laterHolderWrites = true
    // Made up here, the later holder's tokens are unknown to the provider: this runtime's use of
    // them fails (and no consent is asked for); what counts is that they were not overwritten.
    await world.grantflow.apis.vat.obligations(query).catch(() => undefined)
    const [session] = await store.list(company)
    expect(session!.tokens).toMatchObject({ accessToken: 'at-later-holder', refreshToken: 'rt-later-holder' })
  })

  it('still writes its tokens when no one else wrote: the session is not lost', async () => {
    const store = createMemoryStore()
    const world = vatWorld({ server, store, grantflow: { lock: losingLock() } })
    await world.grantflow.apis.vat.obligations(query)
    const before = (await store.list(company))[0]!.tokens!
    const since = countsSince(world.kit)
    world.clock.advance(FOUR_HOURS + 1)
    await expect(world.grantflow.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
    const after = (await store.list(company))[0]!.tokens!
    expect(since().refreshes).toBe(1)
    expect(after.refreshToken).not.toBe(before.refreshToken)
    // The next call uses them: no refresh, no consent.
    await world.grantflow.apis.vat.obligations(query)
    expect(since()).toMatchObject({ refreshes: 1, authorizations: 0 })
  })
})

describe('the lease a refresh asks of the lock', () => {
  /** A lock that notes the lease each holder asks for. */
  function notingLock(leases: (number | undefined)[]): SessionLock {
    const inner = createInProcessLock()
    return { runExclusive: (key, task, options) => (leases.push(options?.leaseMs), inner.runExclusive(key, task, options)) }
  }

  // Were the lease to run out while the refresh is on its way, the next holder would present the
  // same refresh token: with rotation and reuse detection, the provider revokes the grant.
  it('outlasts the token request and its retries, for an app that allows slow token requests', async () => {
    const leases: (number | undefined)[] = []
    const world = vatWorld({ server, grantflow: { lock: notingLock(leases), timeoutMs: 90_000 } })
    await world.grantflow.apis.vat.obligations(query)
    world.clock.advance(FOUR_HOURS + 1)
    await world.grantflow.apis.vat.obligations(query)
    expect(leases).toHaveLength(1)
    // The request's timeout, and the retry budget (10 s) within which retries start.
    expect(leases[0]).toBeGreaterThan(90_000 + 10_000)
  })
})
