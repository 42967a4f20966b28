import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  shape,
  createMemoryClientRegistrationStore,
  type ClientRegistrationStore,
  type ClientRequest,
  type ClientSource,
  type ConsentNavigator,
} from '../../src/index.js'
import { createProviderKit } from '../../src/testing/index.js'
import { REDIRECT_URI, testClock, useMsw, vat } from '../support/vatWorld.js'

const server = useMsw()

const acme = defineProvider({
  id: 'acme',
  name: 'Acme Corp',
  environments: { production: { authorizationServer: { issuer: 'https://login.acme.example', discovery: 'oidc' }, apiBaseUrl: 'https://api.acme.example' } },
})
const profile = defineApi({
  id: 'profile',
  name: 'Acme profile',
  provider: acme,
  endpoints: { me: defineEndpoint({ method: 'GET', path: '/me', scopes: ['read'], result: shape<{ name: string }>() }) },
})
const APP_CLIENT = defineClient({ clientId: 'app', redirectUri: REDIRECT_URI })

/** A provider found by discovery, and a server's runtime whose users approve at once; who is calling comes from the request. */
function acmeWorld(client: ClientSource = APP_CLIENT, bindingTtlMs?: number, clientRegistrations?: ClientRegistrationStore) {
  const clock = testClock()
  const kit = createProviderKit({
    provider: acme,
    environment: 'production',
    clients: [{ clientId: 'app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    now: clock.now,
    api: [{ method: 'GET', path: '/me', scopes: ['read'], respond: () => ({ name: 'Ada' }) }],
  })
  server.use(...kit.handlers)
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      await grantflow.completeAuthorization(await kit.authorize(url)).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { profile },
    clients: { acme: client },
    environment: 'production',
    navigator,
    now: clock.now,
    retry: false,
    apiUser: { user: (request: { userId: string }) => request.userId },
    ...(bindingTtlMs !== undefined && { bindingTtlMs }),
    ...(clientRegistrations && { clientRegistrations }),
  })
  const me = (userId: string) => grantflow.withContext({ userId }).apis.profile.me({})
  const discoveries = () => kit.counters.discovery
  return { kit, clock, grantflow, me, discoveries }
}

describe('the provider binding, resolved when a token is needed', () => {
  it('discovers the authorization server once for concurrent first calls, and again after its lifetime', async () => {
    const { clock, me, discoveries } = acmeWorld(APP_CLIENT, 60_000)
    await Promise.all([me('ada'), me('grace')])
    expect(discoveries()).toBe(1)
    await me('alan')
    expect(discoveries()).toBe(1)
    clock.advance(60_001)
    await me('edsger')
    expect(discoveries()).toBe(2)
  })

  it('keeps discovered metadata an hour by default', async () => {
    const { clock, me, discoveries } = acmeWorld()
    await me('ada')
    clock.advance(59 * 60_000)
    await me('grace')
    expect(discoveries()).toBe(1)
    clock.advance(2 * 60_000)
    await me('alan')
    expect(discoveries()).toBe(2)
  })

  it('does not keep a failed discovery: the next call discovers again', async () => {
    const { kit, me, discoveries } = acmeWorld()
    kit.fail({ endpoint: 'discovery', kind: 'server_error' })
    await expect(me('ada')).rejects.toMatchObject({ code: expect.any(String) })
    await expect(me('ada')).resolves.toEqual({ name: 'Ada' })
    expect(discoveries()).toBe(2)
  })

  it('obtains a client given as a function once for concurrent first calls, told the environment and its metadata', async () => {
    const asked: ClientRequest[] = []
    const { me } = acmeWorld(async (request) => {
      asked.push(request)
      return APP_CLIENT
    })
    await Promise.all([me('ada'), me('grace')])
    await me('alan')
    expect(asked).toHaveLength(1)
    expect(asked[0]).toMatchObject({ environment: 'production', provider: { id: 'acme' }, authorizationServer: { issuer: 'https://login.acme.example' } })
  })

  it('asks a client function again after the lifetime', async () => {
    let asked = 0
    const { clock, me } = acmeWorld(async () => (asked++, APP_CLIENT), 60_000)
    await me('ada')
    clock.advance(60_001)
    await me('grace')
    expect(asked).toBe(2)
  })

  it('fails with a ConfigurationError when the client function fails, and asks it again on the next call', async () => {
    let asked = 0
    const { me } = acmeWorld(async () => {
      if (asked++ === 0) throw new Error('the secret manager is down: secret=s3cr3t')
      return APP_CLIENT
    })
    const error = await me('ada').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigurationError)
    expect(JSON.stringify(error)).not.toContain('s3cr3t')
    expect(String((error as Error).cause && JSON.stringify((error as Error).cause))).not.toContain('s3cr3t')
    await expect(me('ada')).resolves.toEqual({ name: 'Ada' })
    expect(asked).toBe(2)
  })

  it('checks a client obtained at runtime as it checks a configured one', async () => {
    const { me } = acmeWorld(async () => ({ clientId: 'app', redirectUri: `${REDIRECT_URI}#fragment`, authentication: { method: 'none' } }))
    await expect(me('ada')).rejects.toBeInstanceOf(ConfigurationError)
  })

  it('refuses a client obtained at runtime that shares its redirect URI with a server that does not send iss', async () => {
    const kit = createProviderKit({
      provider: acme,
      environment: 'production',
      clients: [{ clientId: 'app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    })
    server.use(...kit.handlers)
    const grantflow = createGrantflow({
      apis: { profile, vat },
      clients: { acme: async () => APP_CLIENT, hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
      environment: { profile: 'production', vat: 'sandbox' },
      interaction: 'none',
      apiUser: { user: () => 'me', company: () => 'acme-ltd', employee: () => 'e1' },
    })
    await expect(grantflow.apis.profile.me({})).rejects.toThrow(/shares the redirect URI/)
  })

  it('keeps a client registered at runtime in the registration store: a restarted runtime uses it and registers none', async () => {
    const registrations = createMemoryClientRegistrationStore()
    let registered = 0
    const register = async () => {
      registered += 1
      return defineClient({ clientId: 'app', redirectUri: REDIRECT_URI })
    }
    await expect(acmeWorld(register, undefined, registrations).me('ada')).resolves.toEqual({ name: 'Ada' })
    expect(registered).toBe(1)
    expect((await registrations.get('acme', 'production'))?.clientId).toBe('app')
    // After a restart (a new runtime, same registration store): the kept client, no new registration.
    await expect(acmeWorld(register, undefined, registrations).me('grace')).resolves.toEqual({ name: 'Ada' })
    expect(registered).toBe(1)
  })

  it('registers anew when the registration store cannot be read, and the call still succeeds', async () => {
    const failing: ClientRegistrationStore = {
      get: async () => Promise.reject(new Error('store down')),
      set: async () => Promise.reject(new Error('store down')),
    }
    let registered = 0
    const { me } = acmeWorld(
      async () => {
        registered += 1
        return APP_CLIENT
      },
      undefined,
      failing,
    )
    await expect(me('ada')).resolves.toEqual({ name: 'Ada' })
    expect(registered).toBe(1)
  })
})
