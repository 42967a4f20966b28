import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { APPLICATION_USER, ConsentRequiredError, TokenEndpointError } from '../../src/index.js'
import { exchangeCode, refreshTokens, requestClientCredentials, revokeTokens, startAuthorization, validateCallback } from '../../src/protocol.js'
import { loginAndConsent } from '../support/interact.js'
import { callResource, COMPANY, localWorld, oauthContext, useOidcServer, VRN } from './localWorld.js'

const server = useOidcServer()

/** Asks the provider about a token (RFC 7662), as the private_key_jwt client that holds it. */
async function introspect(token: string) {
  const { as } = await oauthContext(server(), server().clients.privateKeyJwt)
  const authentication = server().clients.privateKeyJwt.authentication as { privateKey: CryptoKey; keyId: string }
  const client = { client_id: 'vat-signed' }
  const response = await oauth.introspectionRequest(as, client, oauth.PrivateKeyJwt({ key: authentication.privateKey, kid: authentication.keyId }), token, {
    [oauth.allowInsecureRequests]: true,
  })
  return oauth.processIntrospectionResponse(as, client, response)
}

describe('disconnecting revokes at the provider', () => {
  it('revokes the refresh token (RFC 7009), after which the provider refuses it', async () => {
    const { grantflow, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })
    const [session] = await grantflow.sessions.list(COMPANY)
    const tokens = session!.tokens!

    await expect(grantflow.sessions.disconnect(session!.key)).resolves.toEqual({ revoked: true })

    // What the user sees: the session has no tokens any more.
    expect((await grantflow.sessions.get(session!.key))?.tokens).toBeUndefined()
    // What the provider recorded: the public client revoked its refresh token.
    expect(recorded.requestsTo('revocation')).toEqual([
      expect.objectContaining({ method: 'POST', clientId: 'vat-spa', tokenTypeHint: 'refresh_token', status: 200 }),
    ])
    // And the grant is over: the revoked refresh token is refused.
    const error = await refreshTokens(await oauthContext(server(), server().clients.public), tokens).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ error: 'invalid_grant' })
  })

  it('walks the user through consent again on the next call', async () => {
    const { grantflow, browser, visits, recorded } = localWorld(server())
    await grantflow.apis.vat.obligations({ vrn: VRN })
    const [session] = await grantflow.sessions.list(COMPANY)
    await grantflow.sessions.disconnect(session!.key)

    const { obligations } = await grantflow.apis.vat.obligations({ vrn: VRN })
    expect(obligations.length).toBeGreaterThan(0)
    // Still signed in at the provider, the user is asked to consent again: the grant was revoked.
    expect(browser.pages.map((page) => [page.kind, page.scopes])).toEqual([
      ['login', []],
      ['consent', ['read:vat']],
      ['consent', ['read:vat']],
    ])
    expect(visits).toHaveLength(2)
    expect(recorded.requestsTo('token').map((r) => `${r.grantType} ${r.status}`)).toEqual(['authorization_code 200', 'authorization_code 200'])
    expect(recorded.served().map((s) => s.status)).toEqual([200, 200])
  })

  it('revokes as a confidential client, authenticated as it is at the token endpoint; introspection then says inactive', async () => {
    const { grantflow, recorded } = localWorld(server(), { client: server().clients.privateKeyJwt })
    await grantflow.apis.vat.obligations({ vrn: VRN })
    const [session] = await grantflow.sessions.list(COMPANY)
    const refreshToken = session!.tokens!.refreshToken!
    expect(await introspect(refreshToken)).toMatchObject({ active: true, client_id: 'vat-signed', sub: 'alice' })

    await grantflow.sessions.disconnect(session!.key)
    expect(recorded.requestsTo('revocation')).toEqual([expect.objectContaining({ clientId: 'vat-signed', authMethod: 'private_key_jwt', status: 200 })])
    expect(await introspect(refreshToken)).toEqual({ active: false })
  })

  it('fails the next call with ConsentRequiredError (reason revoked) when no user is there', async () => {
    const { grantflow } = localWorld(server(), { user: 'none' })
    const first = (await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e: unknown) => e)) as ConsentRequiredError
    await grantflow.completeAuthorization(await loginAndConsent(first.authorizationUrl!), { binding: first.binding })
    await grantflow.apis.vat.obligations({ vrn: VRN })
    await grantflow.sessions.disconnect(first.sessionKey)

    const error = await grantflow.apis.vat.obligations({ vrn: VRN }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConsentRequiredError)
    expect(error).toMatchObject({ reason: 'revoked', authorizationUrl: expect.stringMatching(new RegExp(`^${server().issuer}/auth\\?`)) })
  })
})

describe('revokeTokens, the protocol step alone', () => {
  it('revokes the refresh token and answers true; the provider then refuses the refresh token', async () => {
    const context = await oauthContext(server(), server().clients.secretBasic)
    const { url, pending } = await startAuthorization({ as: context.as, client: context.client, scopes: ['read:vat'], now: Date.now() })
    const tokens = await exchangeCode(context, validateCallback(context, await loginAndConsent(url), pending), pending)
    const recorded = server().recordFromNow()

    await expect(revokeTokens(context, tokens)).resolves.toBe(true)
    const error = await refreshTokens(context, tokens).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'refresh_token', error: 'invalid_grant', status: 400 })
    expect(recorded.requests().map((r) => [r.route, r.clientId, r.authMethod, r.tokenTypeHint ?? r.grantType, r.status])).toEqual([
      ['revocation', 'vat-server', 'client_secret_basic', 'refresh_token', 200],
      ['token', 'vat-server', 'client_secret_basic', 'refresh_token', 400],
    ])
  })

  it("cannot revoke the application's JWT access token: the provider answers unsupported_token_type, and the token lives on until it expires", async () => {
    const context = await oauthContext(server(), server().clients.application)
    const tokens = await requestClientCredentials(context, ['read:vat'])
    const recorded = server().recordFromNow()

    // A self-contained (RFC 9068) access token cannot be recalled: oidc-provider says so (RFC 7009 §2.2.1).
    const error = await revokeTokens(context, tokens).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'revocation', error: 'unsupported_token_type', status: 400 })
    expect(recorded.requestsTo('revocation')).toEqual([expect.objectContaining({ clientId: 'vat-batch', tokenTypeHint: 'access_token', status: 400 })])
    expect((await callResource(server(), tokens.accessToken, '/vat-rates')).status).toBe(200)
  })

  it("forgets the application's token when disconnected although the provider cannot revoke it, and says why", async () => {
    const { grantflow, recorded } = localWorld(server(), { client: server().clients.application })
    await grantflow.apis.vat.rates({})
    const [session] = await grantflow.sessions.list(APPLICATION_USER)
    const result = await grantflow.sessions.disconnect(session!.key)
    // The app is told the provider kept the token (it lives until it expires), and why.
    expect(result).toMatchObject({ revoked: false, error: { code: 'token_endpoint_error', error: 'unsupported_token_type' } })

    const after = await grantflow.sessions.get(session!.key)
    expect(after?.tokens).toBeUndefined()
    expect(after?.errors).toEqual([expect.objectContaining({ step: 'revoke', code: 'token_endpoint_error', error: 'unsupported_token_type' })])
    expect(recorded.requestsTo('revocation')).toEqual([expect.objectContaining({ status: 400, error: 'unsupported_token_type' })])
  })
})
