import { describe, expect, it } from 'vitest'
import {
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  fixes,
  shape,
  type ComplianceFix,
  type ConsentNavigator,
} from '../../src/index.js'
import { createProviderKit, type KitQuirk } from '../../src/testing/index.js'
import { REDIRECT_URI, testClock, useMsw } from '../support/vatWorld.js'

const server = useMsw()

/** A provider of our own: its API has one endpoint needing `read`. */
function world(options: { discovery?: boolean; quirks?: Partial<Record<KitQuirk, boolean>>; fixes?: ComplianceFix[] }) {
  const clock = testClock()
  const provider = defineProvider({
    id: 'acme',
    name: 'Acme Corp',
    environments: {
      production: {
        authorizationServer: options.discovery
          ? { issuer: 'https://login.acme.example', discovery: 'oidc' }
          : { authorizationEndpoint: 'https://login.acme.example/authorize', tokenEndpoint: 'https://login.acme.example/token' },
        apiBaseUrl: 'https://api.acme.example',
      },
    },
    fixes: options.fixes ?? [],
  })
  const kit = createProviderKit({
    provider,
    environment: 'production',
    clients: [{ clientId: 'app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    quirks: options.quirks ?? {},
    now: clock.now,
    api: [{ method: 'GET', path: '/me', scopes: ['read'], respond: () => ({ name: 'Ada' }) }],
  })
  server.use(...kit.handlers)
  const api = defineApi({
    id: 'acme',
    name: 'Acme profile',
    provider,
    endpoints: { me: defineEndpoint({ method: 'GET', path: '/me', scopes: ['read'], result: shape<{ name: string }>() }) },
  })
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      await grantflow.completeAuthorization(await kit.authorize(url)).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { api },
    clients: { acme: defineClient({ clientId: 'app', redirectUri: REDIRECT_URI }) },
    environment: 'production',
    navigator,
    now: clock.now,
  })
  return { kit, grantflow, clock }
}

describe('a provider found by discovery', () => {
  it('discovers its endpoints once, checks iss on the callback, and revokes at the provider on disconnect', async () => {
    const { kit, grantflow } = world({ discovery: true })
    await expect(grantflow.apis.api.me({})).resolves.toEqual({ name: 'Ada' })
    await grantflow.apis.api.me({})
    expect(kit.counters.discovery).toBe(1)
    // The kit sends iss for discovered servers, and the runtime accepted it.
    expect(kit.requests.find((r) => r.endpoint === 'authorize')).toBeDefined()

    const [session] = await grantflow.sessions.list({ kind: 'user', id: 'me' })
    await grantflow.sessions.disconnect(session!.key)
    expect(kit.counters.revocations).toBe(1)
    // Revoked at the provider: the next call walks through consent again.
    await grantflow.apis.api.me({})
    expect(kit.counters.authorizations).toBe(2)
  })
})

describe('providers that break the spec, each with its fix', () => {
  const cases: Array<[KitQuirk, ComplianceFix[]]> = [
    ['accessTokenValidity', [fixes.accessTokenValidity]],
    ['expiresInAsString', [fixes.expiresInAsString]],
    ['tokenTypeLowercase', []],
    ['tokenTypeMissing', [fixes.missingTokenType]],
    ['commaSeparatedScope', [fixes.commaSeparatedScope]],
    ['formEncoded', [fixes.formEncodedTokenResponse]],
  ]
  for (const [quirk, list] of cases) {
    it(`${quirk}: consent, call, expiry and refresh work`, async () => {
      const { kit, grantflow, clock } = world({ quirks: { [quirk]: true }, fixes: list })
      await expect(grantflow.apis.api.me({})).resolves.toEqual({ name: 'Ada' })
      const [session] = await grantflow.sessions.list({ kind: 'user', id: 'me' })
      // The expiry was understood (made absolute), and the scope read as a list.
      expect(session!.tokens!.expiresAt).toBe(clock.now() + 3600_000)
      expect(session!.tokens!.scopes).toEqual(['read'])
      clock.advance(3600_000)
      await grantflow.apis.api.me({})
      expect(kit.counters.tokenRequestsByGrant.refresh_token).toBe(1)
      expect(kit.counters.authorizations).toBe(1)
    })
  }

  it('errorWithStatus200: a refused refresh sent with HTTP 200 still leads to consent, not to a broken token', async () => {
    const { kit, grantflow, clock } = world({ quirks: { errorWithStatus200: true }, fixes: [fixes.errorWithStatus200] })
    await grantflow.apis.api.me({})
    clock.advance(3600_000)
    kit.fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'refresh_token' })
    await expect(grantflow.apis.api.me({})).resolves.toEqual({ name: 'Ada' })
    expect(kit.counters.authorizations).toBe(2)
    const [session] = await grantflow.sessions.list({ kind: 'user', id: 'me' })
    expect(session!.errors).toContainEqual(expect.objectContaining({ step: 'refresh', error: 'invalid_grant' }))
  })

  it('without its fix, a broken token response ends in a typed error and the call is not lost', async () => {
    const { grantflow } = world({ quirks: { formEncoded: true } })
    const error = await grantflow.apis.api.me({}).catch((e) => e)
    expect(error).toMatchObject({ code: 'token_endpoint_error', error: 'invalid_response' })
  })
})
