import { describe, expect, it } from 'vitest'
import { APPLICATION_USER, ConfigurationError, defineClient, TokenEndpointError } from '../../src/index.js'
import { requestClientCredentials, revokeTokens } from '../../src/protocol.js'
import { REDIRECT_URI } from '../support/oidcServer.js'
import { CLIENT_AUTH_SECRETS, OFFERED_METHODS, useClientAuthServer } from '../support/clientAuthServer.js'
import { localWorld, oauthContext, vatReturn, VRN } from './localWorld.js'

const server = useClientAuthServer()

const personJwt = (clientSecret = CLIENT_AUTH_SECRETS.jwt) =>
  defineClient({ clientId: 'vat-jwt', redirectUri: REDIRECT_URI, authentication: { method: 'client_secret_jwt', clientSecret } })

describe('client_secret_jwt at a real authorization server', () => {
  it('authenticates the code exchange with an HMAC-signed assertion, and the return is submitted once', async () => {
    const { grantflow, browser, recorded } = localWorld(server(), { client: personJwt() })
    const receipt = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn())

    expect(receipt.formBundleNumber).toMatch(/^\d{12}$/)
    expect(browser.pages.map((page) => page.kind)).toEqual(['login', 'consent'])
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId: 'vat-jwt', authMethod: 'client_secret_jwt', status: 200 }),
    ])
    expect(recorded.submissions()).toEqual([{ vrn: VRN, body: vatReturn(), sub: 'alice', clientId: 'vat-jwt' }])
  })

  it('refreshes and revokes with the same method', async () => {
    const { grantflow, clock, recorded } = localWorld(server(), { client: personJwt() })
    await grantflow.apis.vat.obligations({ vrn: VRN })
    // Past the access token's lifetime (600 s): the next call refreshes first.
    clock.advance(601_000)
    await grantflow.apis.vat.obligations({ vrn: VRN })
    const [session] = await grantflow.sessions.list({ kind: 'company', id: 'acme-ltd' })
    const context = await oauthContext(server(), personJwt())
    expect(await revokeTokens(context, session!.tokens!)).toBe(true)

    expect(recorded.requestsTo('token').map((r) => [r.grantType, r.authMethod, r.status])).toEqual([
      ['authorization_code', 'client_secret_jwt', 200],
      ['refresh_token', 'client_secret_jwt', 200],
    ])
    expect(recorded.requestsTo('revocation')).toEqual([expect.objectContaining({ clientId: 'vat-jwt', authMethod: 'client_secret_jwt', status: 200 })])
  })

  it('chooses client_secret_jwt from the discovery document when the app gives only a secret', async () => {
    const secretOnly = defineClient({ clientId: 'vat-jwt', redirectUri: REDIRECT_URI, authentication: { clientSecret: CLIENT_AUTH_SECRETS.jwt } })
    const { grantflow, recorded } = localWorld(server(), { client: secretOnly })
    await grantflow.apis.vat.obligations({ vrn: VRN })

    const context = await oauthContext(server(), secretOnly)
    // The provider offers neither client_secret_basic nor client_secret_post.
    expect(context.as.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(OFFERED_METHODS))
    expect(context.as.token_endpoint_auth_methods_supported).not.toContain('client_secret_basic')
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'authorization_code', clientId: 'vat-jwt', authMethod: 'client_secret_jwt', status: 200 }),
    ])
  })

  it('fails with invalid_client, and never shows the secret, when the secret is wrong', async () => {
    const wrongSecret = 'not-the-jwt-secret-0123456789abcdef0123'
    const { grantflow, recorded } = localWorld(server(), { client: personJwt(wrongSecret) })
    const error = await grantflow.apis.vat.submitReturn({ vrn: VRN }, vatReturn()).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(TokenEndpointError)
    expect(error).toMatchObject({ grant: 'authorization_code', error: 'invalid_client', status: 401 })
    expect(JSON.stringify({ message: (error as Error).message, error, cause: String((error as Error).cause) })).not.toContain(wrongSecret)
    expect(recorded.requestsTo('token')).toEqual([expect.objectContaining({ clientId: 'vat-jwt', status: 401, error: 'invalid_client' })])
    expect(recorded.submissions()).toEqual([])
  })

  it('gets the application its token with client_secret_jwt (client credentials)', async () => {
    const application = defineClient({ clientId: 'vat-batch-jwt', authentication: { method: 'client_secret_jwt', clientSecret: CLIENT_AUTH_SECRETS.jwt } })
    const { grantflow, recorded } = localWorld(server(), { client: application })
    const { rates } = await grantflow.apis.vat.rates({})

    expect(rates).toMatchObject({ standard: 20 })
    expect(recorded.requestsTo('token')).toEqual([
      expect.objectContaining({ grantType: 'client_credentials', clientId: 'vat-batch-jwt', authMethod: 'client_secret_jwt', status: 200 }),
    ])
    const [session] = await grantflow.sessions.list(APPLICATION_USER)
    expect(session?.tokens?.accessToken).toBeDefined()
  })

  it('refuses with a ConfigurationError naming the methods when the material fits none the provider offers, before any request', async () => {
    // The provider's document, with the methods of a provider that takes only certificates.
    const context = await oauthContext(server(), defineClient({ clientId: 'vat-batch-jwt', authentication: { clientSecret: CLIENT_AUTH_SECRETS.jwt } }))
    const certificatesOnly = { ...context, as: { ...context.as, token_endpoint_auth_methods_supported: ['tls_client_auth'] } }
    const recorded = server().recordFromNow()
    const error = await requestClientCredentials(certificatesOnly, ['read:vat']).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ConfigurationError)
    expect((error as Error).message).toMatch(/supports tls_client_auth .*allows client_secret_basic, client_secret_post, client_secret_jwt/)
    expect((error as Error).message).not.toContain(CLIENT_AUTH_SECRETS.jwt)
    expect(recorded.requests()).toEqual([])
  })
})
