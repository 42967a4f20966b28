import * as oauth from 'oauth4webapi'
import { describe, expect, it } from 'vitest'
import { defineProvider } from '../../src/model/provider.js'
import { createProviderKit } from '../../src/testing/index.js'
import { acmeProvider, basicAuth, callApi, postForm, REDIRECT_URI, signIn, useMswServer } from './support.js'

const { serve } = useMswServer()
const ISSUER = 'https://login.acme.example'
const ME = 'https://api.acme.example/me'
const meRoute = { method: 'GET' as const, path: '/me', respond: () => ({ name: 'Ada' }) }
const acmeEndpoints = { authorizationEndpoint: `${ISSUER}/authorize`, tokenEndpoint: `${ISSUER}/token` }

describe('discovery', () => {
  it('serves OpenID metadata at /.well-known/openid-configuration that oauth4webapi accepts', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider('oidc'), environment: 'production' }))
    const issuer = new URL(ISSUER)
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc' }))
    expect(as).toMatchObject({
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/authorize`,
      token_endpoint: `${ISSUER}/token`,
      revocation_endpoint: `${ISSUER}/revoke`,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
    })
    expect(kit.counters.discovery).toBe(1)
    expect(kit.requests).toEqual([{ endpoint: 'discovery', method: 'GET', url: `${ISSUER}/.well-known/openid-configuration`, status: 200 }])
  })

  it('serves RFC 8414 metadata with the well-known segment before the issuer path', async () => {
    serve(createProviderKit({ provider: acmeProvider('oauth2', `${ISSUER}/tenant-1`), environment: 'production' }))
    const issuer = new URL(`${ISSUER}/tenant-1`)
    const response = await oauth.discoveryRequest(issuer, { algorithm: 'oauth2' })
    expect(response.url).toBe(`${ISSUER}/.well-known/oauth-authorization-server/tenant-1`)
    const as = await oauth.processDiscoveryResponse(issuer, response)
    expect(as.token_endpoint).toBe(`${ISSUER}/tenant-1/token`)
  })

  it('answers the authorization and token endpoints under the issuer, and the API accepts their tokens', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider(), environment: 'production', api: [meRoute] }))
    const tokens = await signIn(kit, acmeEndpoints)
    expect(kit.requests.find((r) => r.endpoint === 'authorize')?.status).toBe(302)
    expect((await callApi(ME, tokens.access_token)).status).toBe(200)
  })

  it('validates end to end with oauth4webapi, iss included', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider(), environment: 'production' }))
    const issuer = new URL(ISSUER)
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))
    const client = { client_id: 'test-client' }
    const verifier = oauth.generateRandomCodeVerifier()
    const url = new URL(as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'test-client',
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString()
    const callback = new URL(await kit.authorize(url.href))
    expect(callback.searchParams.get('iss')).toBe(ISSUER)
    const params = oauth.validateAuthResponse(as, client, callback, 'st')
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT_URI, verifier)
    // The kit issues no ID token even for openid, so the plain OAuth processing is used.
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, response)
    expect(tokens.scope).toBe('openid profile')
    expect(tokens.id_token).toBeUndefined()
  })

  it('can leave iss out to test that a client insists on it', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider(), environment: 'production', sendIss: false }))
    const issuer = new URL(ISSUER)
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer))
    const url = new URL(as.authorization_endpoint ?? '')
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: 'test-client',
      redirect_uri: REDIRECT_URI,
      state: 'st',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
    }).toString()
    const callback = new URL(await kit.authorize(url.href))
    expect(() => oauth.validateAuthResponse(as, { client_id: 'test-client' }, callback, 'st')).toThrow(/iss/)
  })
})

describe('revocation (RFC 7009)', () => {
  it('revoking a refresh token ends the grant: its access token and refresh token stop working', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider(), environment: 'production', api: [meRoute] }))
    const tokens = await signIn(kit, acmeEndpoints)
    const revoke = await postForm(`${ISSUER}/revoke`, { token: tokens.refresh_token ?? '', token_type_hint: 'refresh_token', client_id: 'test-client' })
    expect(revoke.status).toBe(200)
    expect((await callApi(ME, tokens.access_token)).headers.get('www-authenticate')).toContain('has been revoked')
    const refresh = await postForm(`${ISSUER}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'test-client' })
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' })
    expect(kit.counters.revocations).toBe(1)
  })

  it('revoking an access token ends only that token', async () => {
    const kit = serve(createProviderKit({ provider: acmeProvider(), environment: 'production', api: [meRoute] }))
    const tokens = await signIn(kit, acmeEndpoints)
    await postForm(`${ISSUER}/revoke`, { token: tokens.access_token, client_id: 'test-client' })
    expect((await callApi(ME, tokens.access_token)).status).toBe(401)
    const refresh = await postForm(`${ISSUER}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '', client_id: 'test-client' })
    expect(refresh.status).toBe(200)
  })

  it("answers 200 for unknown tokens and for other clients' tokens, which stay valid", async () => {
    const kit = serve(
      createProviderKit({
        provider: acmeProvider(),
        environment: 'production',
        api: [meRoute],
        clients: [
          { clientId: 'test-client', authMethod: 'none' },
          { clientId: 'other', clientSecret: 'x', authMethod: 'client_secret_basic' },
        ],
      }),
    )
    const tokens = await signIn(kit, acmeEndpoints)
    expect((await postForm(`${ISSUER}/revoke`, { token: 'at_unknown', client_id: 'test-client' })).status).toBe(200)
    expect((await postForm(`${ISSUER}/revoke`, { token: tokens.access_token }, basicAuth('other', 'x'))).status).toBe(200)
    expect((await callApi(ME, tokens.access_token)).status).toBe(200)
  })

  it('authenticates confidential clients (401 invalid_client on a wrong secret)', async () => {
    serve(
      createProviderKit({
        provider: acmeProvider(),
        environment: 'production',
        clients: [{ clientId: 'app', clientSecret: 'right', authMethod: 'client_secret_basic' }],
      }),
    )
    const response = await postForm(`${ISSUER}/revoke`, { token: 'whatever' }, basicAuth('app', 'wrong'))
    expect(response.status).toBe(401)
    expect(await response.json()).toMatchObject({ error: 'invalid_client' })
  })

  it('is served only where the environment declares a revocation endpoint', async () => {
    const provider = defineProvider({
      id: 'plain',
      name: 'Plain',
      environments: {
        live: {
          authorizationServer: { tokenEndpoint: 'https://plain.example/token', revocationEndpoint: 'https://plain.example/oauth/revoke' },
          apiBaseUrl: 'https://plain.example/api',
        },
      },
    })
    const kit = createProviderKit({ provider, environment: 'live' })
    serve(kit)
    expect((await postForm('https://plain.example/oauth/revoke', { token: 'x', client_id: 'test-client' })).status).toBe(200)
    const discovered = createProviderKit({ provider: acmeProvider(), environment: 'production' })
    expect(discovered.handlers).toHaveLength(4) // discovery, authorize, token, revoke (no API routes)
    expect(kit.handlers).toHaveLength(2) // token, revoke: no authorization endpoint, no discovery
  })
})
