import { waitFor } from 'xstate'
import { describe, expect, it } from 'vitest'
import {
  CancelledError,
  ConsentRequiredError,
  createInProcessLock,
  createMemoryStore,
  ProviderUnreachableError,
  TokenExpiredError,
  type Session,
} from '../../src/index.js'
import { countsSince, useMsw, vatWorld, VRN } from '../support/vatWorld.js'

const server = useMsw()
const FOUR_HOURS = 4 * 3600_000
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

async function connected(options: Parameters<typeof vatWorld>[0] = { server }) {
  const world = vatWorld(options)
  await world.grantflow.apis.vat.obligations(query)
  // Count only what happens after connecting.
  return { ...world, since: countsSince(world.kit) }
}

describe('token refresh', () => {
  it('refreshes an expired token silently, judging expiry when the token is read', async () => {
    const { grantflow, clock, since } = await connected()
    clock.advance(FOUR_HOURS + 1)
    await grantflow.apis.vat.obligations(query)
    expect(since().refreshes).toBe(1)
    expect(since().authorizations).toBe(0)
    // The expired token was never sent.
    expect(since().apiCalls).toBe(1)
  })

  it('ends the calls waiting on a refresh with CancelledError when the runtime is disposed', async () => {
    const { grantflow, clock, kit, since } = await connected()
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'slow', delayMs: 10 * 60_000, grant: 'refresh_token' })
    const waiting = Promise.all([grantflow.apis.vat.obligations(query), grantflow.apis.vat.obligations(query)]).catch((e: unknown) => e)
    await expect.poll(() => since().refreshes).toBe(1)
    grantflow.dispose()
    await expect(waiting).resolves.toBeInstanceOf(CancelledError)
  })

  it('makes exactly one token request for 100 concurrent calls on an expired token', async () => {
    const { grantflow, clock, since } = await connected()
    clock.advance(FOUR_HOURS + 1)
    const results = await Promise.all(Array.from({ length: 100 }, () => grantflow.apis.vat.obligations(query)))
    expect(results).toHaveLength(100)
    expect(since().tokenRequests).toBe(1)
    expect(since().apiCalls).toBe(100)
  })

  it('makes one refresh when 100 calls find their token refused by the API (401 invalid_token)', async () => {
    const { grantflow, kit, since } = await connected()
    kit.expireAccessTokens()
    await Promise.all(Array.from({ length: 100 }, () => grantflow.apis.vat.obligations(query)))
    expect(since().refreshes).toBe(1)
    expect(since().authorizations).toBe(0)
  })

  it('moves every waiting call to one consent when the refresh token is refused (invalid_grant)', async () => {
    const { grantflow, kit, clock, since } = await connected()
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'refresh_token' })
    await Promise.all(Array.from({ length: 20 }, () => grantflow.apis.vat.obligations(query)))
    expect(since().refreshes).toBe(1)
    expect(since().authorizations).toBe(1)
  })

  it('records the failure on the session, with the provider error and no token', async () => {
    const { grantflow, kit, clock } = await connected()
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'refresh_token' })
    await grantflow.apis.vat.obligations(query)
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    expect(session!.errors).toEqual([expect.objectContaining({ step: 'refresh', code: 'token_endpoint_error', error: 'invalid_grant' })])
    expect(JSON.stringify(session!.errors)).not.toContain(session!.tokens!.accessToken)
  })

  it('releases waiters with ProviderUnreachableError when the provider is down, and recovers on the next call', async () => {
    const { grantflow, kit, clock, since } = await connected()
    clock.advance(FOUR_HOURS + 1)
    kit.fail({ endpoint: 'token', kind: 'network', grant: 'refresh_token' })
    const errors = await Promise.all(Array.from({ length: 5 }, () => grantflow.apis.vat.obligations(query).catch((e) => e)))
    expect(errors.every((e) => e instanceof ProviderUnreachableError)).toBe(true)
    await expect(grantflow.apis.vat.obligations(query)).resolves.toHaveProperty('obligations')
    expect(since().authorizations).toBe(0)
  })

  it('never sends a rotated refresh token twice', async () => {
    const { grantflow, clock, since } = await connected()
    for (let i = 0; i < 3; i++) {
      clock.advance(FOUR_HOURS + 1)
      await Promise.all([grantflow.apis.vat.obligations(query), grantflow.apis.vat.obligations(query)])
    }
    expect(since().refreshes).toBe(3)
    // The kit refuses a spent refresh token with invalid_grant, which would have led to consent.
    expect(since().authorizations).toBe(0)
  })
})

describe("requests-oauthlib's refresh behaviours", () => {
  it('raise: throws TokenExpiredError; the app refreshes and calls again', async () => {
    const { grantflow, clock, since } = await connected({ server, grantflow: { refresh: 'raise' } })
    clock.advance(FOUR_HOURS + 1)
    const error = await grantflow.apis.vat.obligations(query).catch((e) => e)
    expect(error).toBeInstanceOf(TokenExpiredError)
    expect(since().tokenRequests).toBe(0)
    await grantflow.sessions.refresh(error.sessionKey)
    await grantflow.apis.vat.obligations(query)
    expect(since().refreshes).toBe(1)
  })

  it('notify: refreshes and hands the new tokens to the saver', async () => {
    const saved: Session[] = []
    const { grantflow, clock } = await connected({ server, grantflow: { refresh: 'notify', onTokensUpdated: (s) => saved.push(s) } })
    const before = saved.length
    clock.advance(FOUR_HOURS + 1)
    await grantflow.apis.vat.obligations(query)
    expect(saved.length).toBe(before + 1)
    expect(saved.at(-1)!.tokens!.expiresAt).toBeGreaterThan(Date.UTC(2026, 10, 23, 13, 0, 0))
  })
})

describe('without a refresh token', () => {
  it('asks for consent again when the token expires', async () => {
    const { grantflow, clock, since } = await connected({ server, kit: { issueRefreshTokens: false } })
    clock.advance(FOUR_HOURS + 1)
    await grantflow.apis.vat.obligations(query)
    expect(since().refreshes).toBe(0)
    expect(since().authorizations).toBe(1)
  })
})

describe('disconnecting', () => {
  it('forgets the tokens even where the provider has no revocation endpoint (HMRC); the next call asks again', async () => {
    const { grantflow, since } = await connected()
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    // HMRC has no revocation endpoint: only the local copy is forgotten, and the result says so.
    await expect(grantflow.sessions.disconnect(session!.key)).resolves.toEqual({ revoked: false })
    expect((await grantflow.sessions.get(session!.key))?.tokens).toBeUndefined()
    await grantflow.apis.vat.obligations(query)
    expect(since().authorizations).toBe(1)
  })

  it('fails the call with ConsentRequiredError (reason revoked) when no user is there to consent', async () => {
    const { grantflow } = await connected()
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    await grantflow.sessions.disconnect(session!.key)
    const wizard = await grantflow.startWizard({ api: 'vat', endpoint: 'obligations', params: query }, { interaction: 'none' })
    const failed = await waitFor(wizard, (s) => s.matches('consentRequired'))
    expect(failed.context.error).toBeInstanceOf(ConsentRequiredError)
    expect((failed.context.error as ConsentRequiredError).reason).toBe('revoked')
  })
})

describe('several tabs (or server instances) sharing a store and a lock', () => {
  it('refresh once between them: the second adopts the rotated token instead of reusing the old one', async () => {
    const store = createMemoryStore()
    const lock = createInProcessLock()
    const tabA = vatWorld({ server, store, grantflow: { lock } })
    await tabA.grantflow.apis.vat.obligations(query)
    // Tab B: its own runtime over the same stored session, the same provider and clock.
    const tabB = vatWorld({ server, store, grantflow: { lock, now: tabA.clock.now } })
    server.resetHandlers(...tabA.kit.handlers, ...tabA.pisteKit.handlers)
    await tabB.grantflow.apis.vat.obligations(query)
    const refreshesBefore = tabA.kit.counters.tokenRequestsByGrant.refresh_token
    tabA.clock.advance(FOUR_HOURS + 1)
    await Promise.all([tabA.grantflow.apis.vat.obligations(query), tabB.grantflow.apis.vat.obligations(query)])
    expect(tabA.kit.counters.tokenRequestsByGrant.refresh_token - refreshesBefore).toBe(1)
    expect(tabA.kit.counters.authorizations).toBe(1)
  })
})
