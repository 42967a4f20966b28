import { describe, expect, it } from 'vitest'
import { TokenEndpointError } from '../../src/index.js'
import { useMsw, vatReturn, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

/**
 * Calls that outlast their token: one-second tokens, and every API request takes the clock a few
 * milliseconds further, so tokens expire while calls are in flight and the API refuses them (401).
 * A refresh token is valid throughout, so the user must never be sent to the provider again.
 */
function shortLivedWorld(calls: number) {
  const fetchThatTakesTime: typeof fetch = async (input, init) => {
    if (String(input instanceof Request ? input.url : input).includes('/organisations/vat/')) world.clock.advance(2)
    return globalThis.fetch(input, init)
  }
  const world = vatWorld({ server, kit: { accessTokenTtlSeconds: 1 }, grantflow: { fetch: fetchThatTakesTime } })
  return { ...world, calls }
}

describe('a consent storm: many calls outlasting their tokens', () => {
  it('asks for no consent for 1,000 calls in flight on one-second tokens after consent, and every call succeeds', async () => {
    const { grantflow, kit, routes, calls } = shortLivedWorld(1000)
    // Consent for both scopes first (a read, then a return's step-up), as the run did.
    await grantflow.apis.vat.obligations(query)
    await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn('#000'))
    expect(kit.counters.authorizations).toBe(2)
    routes.reset()
    const results = await Promise.allSettled(
      Array.from({ length: calls }, (_, i) =>
        i % 10 === 0 ? grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn(`P${String(i).padStart(3, '0')}`)) : grantflow.apis.vat.obligations(query),
      ),
    )
    const failed = results.filter((r) => r.status === 'rejected')
    expect(failed.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([])
    // No consent after the first ones: the refresh token could always renew the access token.
    expect(kit.counters.authorizations).toBe(2)
    expect(kit.counters.tokenRequestsByGrant.refresh_token).toBeGreaterThan(0)
    // Each return reached HMRC once, though some were refused (401) and sent again with a new token.
    const periodKeys = routes.submissions.map((s) => s.periodKey)
    expect(periodKeys).toHaveLength(calls / 10)
    expect(new Set(periodKeys).size).toBe(calls / 10)
    // A thousand calls through the provider kit take seconds on a loaded machine: no time is asserted.
  }, 60_000)
})

describe('tokens that are stale on arrival', () => {
  it('fails the call with a typed error instead of refreshing forever, and keeps it for a retry', async () => {
    let zeroLifetime = false
    // A provider whose refreshed tokens live no time at all (expires_in 0).
    const fetchWithZeroLifetimes: typeof fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init)
      if (!zeroLifetime || !String(init?.body ?? '').includes('grant_type=refresh_token')) return response
      return Response.json({ ...(await response.json()), expires_in: 0 }, { status: response.status })
    }
    const world = vatWorld({ server, grantflow: { fetch: fetchWithZeroLifetimes } })
    await world.grantflow.apis.vat.obligations(query)
    zeroLifetime = true
    world.clock.advance(4 * 3600_000 + 1)
    const error = await world.grantflow.apis.vat.obligations(query).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', error: 'invalid_response' })
    // One refresh, no loop, and no consent asked for a grant that still works.
    expect(world.kit.counters.tokenRequestsByGrant.refresh_token).toBe(1)
    expect(world.kit.counters.authorizations).toBe(1)
    // Once the provider behaves, the same call goes through.
    zeroLifetime = false
    await expect(world.grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
  })
})
