import { describe, expect, it } from 'vitest'
import { APPLICATION_USER } from '../../src/index.js'
import { requestClientCredentials } from '../../src/protocol.js'
import { VAT_RATES } from '../support/resourceServer.js'
import { callResource, localWorld, oauthContext, useOidcServer, vatReturn, VRN } from './localWorld.js'

const server = useOidcServer({ accessTokenTtl: 60 })

describe('the application as API user (client credentials with a resource indicator)', () => {
  it('gets a token for the resource server and calls the application-only route with it', async () => {
    const { grantflow, browser, recorded } = localWorld(server(), { client: server().clients.application })
    const { rates } = await grantflow.apis.vat.rates({})

    expect(rates).toEqual(VAT_RATES)
    expect(browser.pages).toEqual([])
    // The provider was asked for a token for the resource server, as the application.
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({
        grantType: 'client_credentials',
        clientId: 'vat-batch',
        authMethod: 'client_secret_basic',
        resource: server().resourceUrl,
        status: 200,
      }),
    ])
    // The resource server accepted it: the application's own token (its subject is the client).
    expect(recorded.served()).toEqual([
      expect.objectContaining({ path: '/vat-rates', status: 200, sub: 'vat-batch', clientId: 'vat-batch', scopes: ['read:vat'] }),
    ])
    const [session] = await grantflow.sessions.list(APPLICATION_USER)
    expect(session?.tokens?.refreshToken).toBeUndefined()
  })

  it('reuses the token, then asks for a new one when it nears its end (no refresh token, no user)', async () => {
    const { grantflow, clock, recorded } = localWorld(server(), { client: server().clients.application })
    await grantflow.apis.vat.rates({})
    await grantflow.apis.vat.rates({})
    clock.advance(31_000)
    await grantflow.apis.vat.rates({})

    expect(recorded.requestsTo('token').map((r) => `${r.grantType} ${r.status}`)).toEqual(['client_credentials 200', 'client_credentials 200'])
    const tokens = recorded.served().map((s) => s.tokenId)
    expect(tokens[0]).toBe(tokens[1])
    expect(tokens[2]).not.toBe(tokens[1])
  })

  it('gets a JWT access token whose audience is the resource indicator (shown on the protocol step alone)', async () => {
    const context = await oauthContext(server(), server().clients.application)
    const tokens = await requestClientCredentials(context, ['read:vat'])
    const claims = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>
    expect(claims).toMatchObject({ iss: server().issuer, aud: server().resourceUrl, client_id: 'vat-batch', scope: 'read:vat' })
    expect(tokens.scopes).toEqual(['read:vat'])
  })

  it('has its token refused by the resource server as RFC 6750 says: 403 insufficient_scope naming the scope, 401 invalid_token when tampered with', async () => {
    const context = await oauthContext(server(), server().clients.application)
    const { accessToken } = await requestClientCredentials(context, ['read:vat'])
    const recorded = server().recordFromNow()
    const [header, payload, signature] = accessToken.split('.') as [string, string, string]
    const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')), scope: 'read:vat write:vat' })).toString(
      'base64url',
    )

    const narrow = await callResource(server(), accessToken, `/organisations/vat/${VRN}/returns`, { method: 'POST', body: vatReturn() })
    const forged = await callResource(server(), `${header}.${widened}.${signature}`, `/organisations/vat/${VRN}/returns`, { method: 'POST', body: vatReturn() })
    const anonymous = await fetch(`${server().resourceUrl}/vat-rates`)

    expect([narrow.status, narrow.headers.get('www-authenticate')]).toEqual([403, 'Bearer realm="vat", error="insufficient_scope", scope="write:vat"'])
    expect([forged.status, forged.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="vat", error="invalid_token"'])
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="vat"'])
    expect(recorded.served().map((s) => [s.status, s.error])).toEqual([
      [403, 'insufficient_scope'],
      [401, 'invalid_token'],
      [401, undefined],
    ])
    expect(recorded.submissions()).toEqual([])
  })
})
