import { request as httpRequest } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { createGrantflow, defineApi, defineClient, defineEndpoint, hmrc, shape, type ConsentNavigator } from '../../src/index.js'
import { createProviderKit, hmrcVatRoutes, type ProviderKitServer, type VatObligation } from '../../src/testing/index.js'
import { acmeProvider, authorizationRequest, postForm } from './support.js'

const VRN = '123456789'
const REDIRECT_URI = 'http://127.0.0.1:5173/callback'
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }

// Every server a test starts is closed after it, whatever the test did.
const servers: ProviderKitServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function listening(options: { provider?: ReturnType<typeof acmeProvider>; environment?: string } = {}) {
  const kit = createProviderKit({
    provider: options.provider ?? hmrc,
    environment: options.environment ?? 'sandbox',
    clients: [{ clientId: 'vat-app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    api: hmrcVatRoutes(),
  })
  const server = await kit.listen()
  servers.push(server)
  return { kit, server }
}

/** An app's grantflow in this process whose VAT API is the kit's server, and a user who approves at it. */
function appAgainst(kit: ReturnType<typeof createProviderKit>, server: ProviderKitServer) {
  const vat = defineApi({
    id: 'vat',
    name: 'VAT',
    provider: server.provider,
    endpoints: {
      obligations: defineEndpoint({
        method: 'GET',
        path: '/organisations/vat/{vrn}/obligations',
        scopes: ['read:vat'],
        apiUser: 'company',
        query: shape<{ from?: string; to?: string }>(),
        result: shape<{ obligations: VatObligation[] }>(),
      }),
    },
  })
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      await grantflow.completeAuthorization(await kit.authorize(url)).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
    environment: 'sandbox',
    apiUser: { company: () => 'acme-ltd' },
    navigator,
    retry: false,
  })
  return grantflow
}

/** A raw HTTP/1.1 request with the Host header as given, as curl --header would send it. */
function rawGet(origin: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}${path}`, { headers: { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the provider kit over real HTTP', () => {
  it('listens on 127.0.0.1 at an OS-chosen port, with the environment moved to that origin', async () => {
    const { server } = await listening()
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(server.origin).not.toBe('http://127.0.0.1:0')
    expect(server.endpoints).toEqual({
      issuer: server.origin,
      authorizationEndpoint: `${server.origin}/oauth/authorize`,
      tokenEndpoint: `${server.origin}/oauth/token`,
      apiBaseUrl: server.origin,
    })
    expect(server.provider.environments.sandbox!.authorizationServer).toMatchObject({ tokenEndpoint: `${server.origin}/oauth/token` })
    // The provider's other environment is left where it was.
    expect(server.provider.environments.production).toEqual(hmrc.environments.production)
  })

  it('serves a grantflow runtime over loopback: consent, code exchange, the call, then a refresh', async () => {
    const { kit, server } = await listening()
    const grantflow = appAgainst(kit, server)
    try {
      const { obligations } = await grantflow.apis.vat.obligations(query)
      expect(obligations.length).toBeGreaterThan(0)
      expect(kit.counters).toMatchObject({ authorizations: 1, apiCalls: 1, tokenRequestsByGrant: { authorization_code: 1, refresh_token: 0 } })

      kit.expireAccessTokens()
      await grantflow.apis.vat.obligations(query)
      expect(kit.counters).toMatchObject({ authorizations: 1, apiCalls: 3, tokenRequestsByGrant: { authorization_code: 1, refresh_token: 1 } })
      // Every request came over the socket, to the listening origin.
      expect(kit.requests.map((record) => new URL(record.url).origin)).toEqual(kit.requests.map(() => server.origin))
      // No session yet: grantflow goes to consent without sending the call.
      expect(kit.requests.map((record) => `${record.endpoint} ${record.status}`)).toEqual([
        'authorize 302',
        'token 200',
        'api 200',
        'api 401',
        'token 200',
        'api 200',
      ])
    } finally {
      grantflow.dispose()
    }
  })

  it('meets a fault armed on the kit, over HTTP, once', async () => {
    const { kit, server } = await listening()
    kit.fail({ endpoint: 'token', kind: 'rate_limited' })
    const limited = await postForm(server.endpoints.tokenEndpoint, { grant_type: 'client_credentials' })
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('2')
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' })
    // Used up: the next request meets the token endpoint itself.
    const next = await postForm(server.endpoints.tokenEndpoint, { grant_type: 'client_credentials' })
    expect(next.status).toBe(401)
    expect(kit.counters.tokenRequests).toBe(2)
  })

  it('drops the connection for a network fault', async () => {
    const { kit, server } = await listening()
    kit.fail({ endpoint: 'api', kind: 'network' })
    await expect(fetch(`${server.origin}/organisations/vat/${VRN}/obligations`)).rejects.toThrow(TypeError)
    expect(kit.requests).toEqual([expect.objectContaining({ endpoint: 'api', status: 0 })])
    // The server goes on answering.
    expect((await fetch(`${server.origin}/organisations/vat/${VRN}/obligations`)).status).toBe(401)
  })

  it('answers raw requests as the provider would: error JSON, redirects, refusals', async () => {
    const { kit, server } = await listening()
    const noBody = await fetch(server.endpoints.tokenEndpoint, { method: 'POST' })
    expect(noBody.status).toBe(400)
    expect(await noBody.json()).toMatchObject({ error: 'invalid_request' })

    const authorization = await authorizationRequest(server.endpoints.authorizationEndpoint!, { client_id: 'vat-app', redirect_uri: REDIRECT_URI })
    const redirect = await fetch(authorization.url, { redirect: 'manual' })
    expect(redirect.status).toBe(302)
    const callback = new URL(redirect.headers.get('location')!)
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI)
    expect(callback.searchParams.get('state')).toBe(authorization.state)

    const api = await fetch(`${server.origin}/organisations/vat/${VRN}/obligations`)
    expect(api.status).toBe(401)
    expect(api.headers.get('www-authenticate')).toBe('Bearer realm="hmrc"')

    const unknown = await fetch(`${server.origin}/nothing/here`, { method: 'DELETE' })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: 'not_found' })
    expect(kit.counters).toMatchObject({ tokenRequests: 1, authorizations: 1, apiCalls: 1 })
  })

  it('answers only Hosts that name it (no DNS rebinding), localhost included', async () => {
    const { server } = await listening()
    const port = new URL(server.origin).port
    const rebound = await rawGet(server.origin, '/oauth/token', `attacker.example:${port}`)
    expect(rebound.status).toBe(421)
    expect(JSON.parse(rebound.body)).toMatchObject({ error: 'misdirected_request' })
    expect((await rawGet(server.origin, `/organisations/vat/${VRN}/obligations`, `localhost:${port}`)).status).toBe(401)
  })

  it('lets pages on loopback origins call it from a browser (CORS), and no other site', async () => {
    const { server } = await listening()
    const preflight = (origin: string) =>
      fetch(server.endpoints.tokenEndpoint, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      })
    const local = await preflight('http://localhost:5173')
    expect(local.status).toBe(204)
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    expect(local.headers.get('access-control-allow-headers')).toBe('content-type')
    const foreign = await preflight('https://attacker.example')
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    const answered = await postForm(server.endpoints.tokenEndpoint, {}, { origin: 'http://127.0.0.1:5173' })
    expect(answered.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173')
  })

  it('serves discovery-based providers: metadata at the well-known URL names the listening origin', async () => {
    const { server } = await listening({ provider: acmeProvider('oidc', 'https://login.acme.example/tenant'), environment: 'production' })
    expect(server.endpoints.discoveryUrl).toBe(`${server.origin}/tenant/.well-known/openid-configuration`)
    const metadata = (await (await fetch(server.endpoints.discoveryUrl!)).json()) as Record<string, string>
    expect(metadata).toMatchObject({
      issuer: `${server.origin}/tenant`,
      authorization_endpoint: `${server.origin}/tenant/authorize`,
      token_endpoint: `${server.origin}/tenant/token`,
    })
  })

  it('stops answering once closed', async () => {
    const { server } = await listening()
    await fetch(server.endpoints.tokenEndpoint, { method: 'POST' })
    await server.close()
    servers.length = 0
    await expect(fetch(server.endpoints.tokenEndpoint, { method: 'POST' })).rejects.toThrow(TypeError)
  })

  it('moves the environment to a given origin (a fixed port) and names it in kit.provider', () => {
    const kit = createProviderKit({ provider: hmrc, environment: 'sandbox', origin: 'http://127.0.0.1:4010' })
    expect(kit.provider.environments.sandbox).toEqual({
      authorizationServer: { authorizationEndpoint: 'http://127.0.0.1:4010/oauth/authorize', tokenEndpoint: 'http://127.0.0.1:4010/oauth/token' },
      apiBaseUrl: 'http://127.0.0.1:4010',
    })
    expect(() => createProviderKit({ provider: hmrc, environment: 'sandbox', origin: 'http://127.0.0.1:4010/path' })).toThrow(TypeError)
  })
})
