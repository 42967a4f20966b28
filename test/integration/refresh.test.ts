import { describe, expect, it } from 'vitest'
import { TokenEndpointError } from '../../src/index.js'
import { refreshTokens } from '../../src/protocol.js'
import type { OidcClients } from '../support/oidcServer.js'
import { callResource, COMPANY, localWorld, oauthContext, useOidcServer, VRN } from './localWorld.js'

// Access tokens live a minute; grantflow renews 30 s before expiry, so 31 s of app time makes them stale.
const server = useOidcServer({ accessTokenTtl: 60 })
const STALE = 31_000

async function connected(client: keyof OidcClients = 'public') {
  const world = localWorld(server(), { client: server().clients[client] })
  await world.grantflow.apis.vat.obligations({ vrn: VRN })
  const [session] = await world.grantflow.sessions.list(COMPANY)
  return { ...world, session: session! }
}

describe('refresh against a provider that rotates refresh tokens', () => {
  it('refreshes on its own when the short-lived access token nears its end, without asking the user', async () => {
    const { grantflow, browser, recorded, clock, session } = await connected()
    const before = session.tokens!
    expect(before.expiresAt! - clock.now()).toBeLessThanOrEqual(60_000)

    clock.advance(STALE)
    await grantflow.apis.vat.obligations({ vrn: VRN })

    const after = (await grantflow.sessions.get(session.key))!.tokens!
    expect(after.accessToken).not.toBe(before.accessToken)
    // Rotation: the provider issued a new refresh token with the new access token.
    expect(after.refreshToken).toMatch(/\S/)
    expect(after.refreshToken).not.toBe(before.refreshToken)
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', status: 200 }),
      expect.objectContaining({ grantType: 'refresh_token', clientId: 'vat-spa', status: 200 }),
    ])
    // The stale token was never sent: two calls, two tokens, both accepted.
    const served = recorded.served()
    expect(served.map((s) => s.status)).toEqual([200, 200])
    expect(served[0]!.tokenId).not.toBe(served[1]!.tokenId)
    expect(browser.pages.filter((page) => page.kind === 'consent')).toHaveLength(1)
  })

  it('cannot use the old refresh token after rotation: the provider answers invalid_grant', async () => {
    const { grantflow, clock, recorded, session } = await connected()
    const old = session.tokens!
    clock.advance(STALE)
    await grantflow.apis.vat.obligations({ vrn: VRN })

    const error = await refreshTokens(await oauthContext(server(), server().clients.public), old).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', error: 'invalid_grant', status: 400 })
    expect(recorded.requestsTo('token', 'refresh_token').map((r) => [r.status, r.error])).toEqual([
      [200, undefined],
      [400, 'invalid_grant'],
    ])
  })

  it('walks the user through consent again when a replayed refresh token made the provider end the grant', async () => {
    const { grantflow, browser, clock, recorded, session } = await connected()
    const old = session.tokens!
    clock.advance(STALE)
    await grantflow.apis.vat.obligations({ vrn: VRN })
    // Someone replays the rotated-out refresh token: the provider's reuse detection revokes the grant.
    await refreshTokens(await oauthContext(server(), server().clients.public), old).catch(() => undefined)

    clock.advance(STALE)
    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(obligations.length).toBeGreaterThan(0)
    // The user, still signed in at the provider, is only asked to consent again.
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent', 'consent'])
    expect(recorded.requestsTo('token').map((r) => `${r.grantType} ${r.status}`)).toEqual([
      'authorization_code 200',
      'refresh_token 200',
      'refresh_token 400',
      'refresh_token 400',
      'authorization_code 200',
    ])
    const [latest] = await grantflow.sessions.list(COMPANY)
    expect(latest!.errors).toEqual([expect.objectContaining({ step: 'refresh', code: 'token_endpoint_error', error: 'invalid_grant' })])
  })

  it('makes one refresh for 100 concurrent calls on a stale token, so the rotated token is never replayed', async () => {
    const { grantflow, clock, recorded, browser } = await connected()
    clock.advance(STALE)
    const results = await Promise.all(Array.from({ length: 100 }, () => grantflow.apis.vat.obligations({ vrn: VRN })))

    expect(results).toHaveLength(100)
    expect(recorded.requestsTo('token', 'refresh_token')).toEqual([expect.objectContaining({ status: 200 })])
    // Had a second refresh sent the same token, the provider would have revoked the grant.
    expect(recorded.served().filter((s) => s.status === 200)).toHaveLength(101)
    expect(browser.pages.filter((page) => page.kind === 'consent')).toHaveLength(1)
  })

  it('rotates at every refresh: the new refresh token works, and the old one is refused afterwards (the protocol step alone)', async () => {
    const { session, recorded } = await connected()
    const context = await oauthContext(server(), server().clients.public)
    const first = await refreshTokens(context, session.tokens!)
    const second = await refreshTokens(context, first)
    const replay = await refreshTokens(context, first).catch((e: unknown) => e)

    expect(new Set([session.tokens!.refreshToken, first.refreshToken, second.refreshToken]).size).toBe(3)
    expect(replay).toBeInstanceOf(TokenEndpointError)
    expect(replay).toMatchObject({ grant: 'refresh_token', error: 'invalid_grant', status: 400 })
    expect(recorded.requestsTo('token').map((r) => `${r.grantType} ${r.status}`)).toEqual([
      'authorization_code 200',
      'refresh_token 200',
      'refresh_token 200',
      'refresh_token 400',
    ])
    // Each refresh brought a fresh access token for the resource server, with the scopes granted.
    expect(second.scopes).toEqual(['read:vat'])
    expect((await callResource(server(), second.accessToken, `/organisations/vat/${VRN}/obligations`)).status).toBe(200)
  })

  it.each([
    ['secretBasic', 'vat-server', 'client_secret_basic'],
    ['privateKeyJwt', 'vat-signed', 'private_key_jwt'],
  ] as const)('refreshes as the confidential client %s, authenticated as at the code exchange', async (client, clientId, authMethod) => {
    const { grantflow, clock, recorded } = await connected(client)
    clock.advance(STALE)
    await grantflow.apis.vat.obligations({ vrn: VRN })

    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId, authMethod, status: 200 }),
      expect.objectContaining({ grantType: 'refresh_token', clientId, authMethod, status: 200 }),
    ])
    expect(recorded.served().map((s) => [s.status, s.clientId])).toEqual([
      [200, clientId],
      [200, clientId],
    ])
  })
})
