import { describe, expect, it } from 'vitest'
import { ConsentRequiredError, defaultDoors, TokenEndpointError } from '../../src/index.js'
import { exchangeCode, resolveAuthorizationServer, startAuthorization, validateCallback } from '../../src/protocol.js'
import { loginAndConsent } from '../support/interact.js'
import { OBLIGATIONS } from '../support/resourceServer.js'
import { COMPANY, localWorld, oauthContext, useOidcServer, VRN } from './localWorld.js'

const server = useOidcServer()

describe('a public client at a real authorization server (oidc-provider)', () => {
  it('walks the user through sign-in and consent with PKCE S256 and state, then makes the call once', async () => {
    const { grantflow, browser, visits, recorded } = localWorld(server())
    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN })

    // What the user saw: the provider's sign-in page, then its consent page asking for read:vat.
    expect(obligations).toEqual(OBLIGATIONS)
    expect(browser.pages.map((page) => [page.kind, page.scopes])).toEqual([
      ['login', []],
      ['consent', ['read:vat']],
    ])
    // The authorization request: a public client, PKCE S256, a state, no nonce without openid.
    expect(visits).toHaveLength(1)
    const request = new URL(visits[0]!).searchParams
    expect(request.get('client_id')).toBe('vat-spa')
    expect(request.get('code_challenge_method')).toBe('S256')
    expect(request.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(request.get('state')).toMatch(/^[\w-]{20,}$/)
    expect(request.has('nonce')).toBe(false)

    // What the provider recorded: one authorization, one code exchange by the public client.
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId: 'vat-spa', authMethod: 'none', status: 200 }),
    ])
    // What the resource server served: one call, with alice's token for the public client.
    expect(recorded.served()).toEqual([expect.objectContaining({ method: 'GET', status: 200, sub: 'alice', clientId: 'vat-spa', scopes: ['read:vat'] })])
  })

  it('receives iss on the callback (RFC 9207), as the provider promises in its metadata', async () => {
    const { grantflow, callbacks } = localWorld(server())
    const context = await oauthContext(server(), server().clients.public)
    expect(context.as.authorization_response_iss_parameter_supported).toBe(true)

    await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(callbacks).toHaveLength(1)
    const callback = new URL(callbacks[0]!).searchParams
    expect(callback.get('iss')).toBe(server().issuer)
    expect(callback.get('code')).toMatch(/\S/)
  })

  it('makes later calls with the same session without asking again', async () => {
    const { grantflow, browser, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })
    await grantflow.apis.vat.obligations({ vrn: VRN })
    await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(browser.pages.filter((page) => page.kind === 'consent')).toHaveLength(1)
    expect(recorded.requestsTo('token')).toHaveLength(1)
    expect(recorded.served().map((s) => s.status)).toEqual([200, 200, 200])
  })

  it('validates the id_token and its nonce for OpenID scopes: the session knows who signed in', async () => {
    // A server-side app: the call fails with the URL to send the user to, the callback route completes it.
    const { grantflow, recorded } = localWorld(server(), { user: 'none' })
    const error = await grantflow.apis.vat.obligationsSignedIn({ vrn: VRN }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsentRequiredError)
    const authorizationUrl = (error as ConsentRequiredError).authorizationUrl!
    const request = new URL(authorizationUrl).searchParams
    expect(request.get('scope')).toBe('openid read:vat')
    const nonce = request.get('nonce')
    expect(nonce).toMatch(/^[\w-]{20,}$/)

    const callback = await loginAndConsent(authorizationUrl, { login: 'bob' })
    const completed = await grantflow.completeAuthorization(callback, { binding: (error as ConsentRequiredError).binding })
    const session = await grantflow.sessions.get(completed.sessionKey)
    expect(session?.apiUser).toEqual(COMPANY)
    expect(session?.tokens?.idTokenClaims).toMatchObject({ sub: 'bob', nonce, aud: 'vat-spa', iss: server().issuer })
    expect(recorded.requestsTo('token', 'authorization_code')).toEqual([expect.objectContaining({ status: 200, clientId: 'vat-spa' })])
  })

  it('refuses an id_token whose nonce is not the one sent (shown on the protocol step alone)', async () => {
    const context = await oauthContext(server(), server().clients.public)
    const { url, pending } = await startAuthorization({ as: context.as, client: context.client, scopes: ['openid', 'read:vat'], now: Date.now() })
    const callback = validateCallback(context, await loginAndConsent(url), pending)
    // The provider signs the nonce it was sent; a client expecting another one must not accept the token.
    const error = await exchangeCode(context, callback, { ...pending, nonce: 'another-nonce' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'token_endpoint_error', error: 'invalid_response' })
    expect((error as Error).message).toMatch(/nonce/)
  })

  it('discovers the provider from its issuer: PKCE S256, iss on authorization responses, revocation', async () => {
    const recorded = server().recordFromNow()
    const as = await resolveAuthorizationServer({ issuer: server().issuer, discovery: 'oidc' }, defaultDoors())

    expect(as).toMatchObject({
      issuer: server().issuer,
      authorization_endpoint: `${server().issuer}/auth`,
      token_endpoint: `${server().issuer}/token`,
      revocation_endpoint: `${server().issuer}/token/revocation`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    })
    expect(recorded.requests()).toEqual([expect.objectContaining({ route: 'discovery', path: '/.well-known/openid-configuration', status: 200 })])
  })

  it('has the code refused (invalid_grant) when it is redeemed with another PKCE verifier: the provider checks S256', async () => {
    const context = await oauthContext(server(), server().clients.public)
    const { url, pending } = await startAuthorization({ as: context.as, client: context.client, scopes: ['read:vat'], now: Date.now() })
    const callback = validateCallback(context, await loginAndConsent(url), pending)
    const recorded = server().recordFromNow()

    const error = await exchangeCode(context, callback, { ...pending, codeVerifier: `${pending.codeVerifier.slice(0, -4)}AAAA` }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_grant', status: 400 })
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId: 'vat-spa', status: 400, error: 'invalid_grant' }),
    ])
  })
})
