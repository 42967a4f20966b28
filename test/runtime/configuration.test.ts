import { describe, expect, it } from 'vitest'
import {
  ConfigurationError,
  createBrowserStore,
  createGrantflow,
  createRedirectNavigator,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  shape,
  type AuthorizationServerConfig,
  type ClientRegistration,
  type NavigatorWindow,
  type Provider,
} from '../../src/index.js'

const REDIRECT_URI = 'https://app.example/callback'

function provider(id: string, authorizationServer: AuthorizationServerConfig, apiBaseUrl = `https://api.${id}.example`): Provider {
  return defineProvider({ id, name: id, environments: { live: { authorizationServer, apiBaseUrl } } })
}

const staticServer = (id: string, issParameterSupported = false): AuthorizationServerConfig => ({
  issuer: `https://login.${id}.example`,
  authorizationEndpoint: `https://login.${id}.example/authorize`,
  tokenEndpoint: `https://login.${id}.example/token`,
  issParameterSupported,
})

function apiOf(p: Provider) {
  return defineApi({
    id: p.id,
    name: p.name,
    provider: p,
    endpoints: { me: defineEndpoint({ method: 'GET', path: '/me', scopes: ['read'], result: shape<unknown>() }) },
  })
}

const acme = provider('acme', staticServer('acme'))
const client = defineClient({ clientId: 'app', redirectUri: REDIRECT_URI })

/** createGrantflow's error, or undefined when it accepts the options. */
function refusal(options: Partial<Parameters<typeof createGrantflow>[0]>): unknown {
  try {
    createGrantflow({ apis: { acme: apiOf(acme) }, clients: { acme: client }, environment: 'live', apiUser: { user: () => 'me' }, ...options })
    return undefined
  } catch (error) {
    return error
  }
}

function expectRefusal(error: unknown, says: RegExp): void {
  expect(error).toBeInstanceOf(ConfigurationError)
  expect((error as Error).message).toMatch(says)
}

describe('a client registration is checked where it is declared', () => {
  const declare = (registration: object) => () => defineClient(registration as never)

  it('names an unknown authentication method, instead of failing the first token request with a TypeError', () => {
    expect(declare({ clientId: 'app', authentication: { method: 'client_secret', clientSecret: 's' } })).toThrow(ConfigurationError)
    expect(declare({ clientId: 'app', authentication: { method: 'client_secret', clientSecret: 's' } })).toThrow(/unknown authentication method client_secret/)
    // No method names client material to choose one from: here there is none.
    expect(declare({ clientId: 'app', authentication: {} })).toThrow(/authentication needs a method, or a clientSecret, privateKey or clientCertificate/)
  })

  it('asks for the secret or key its method needs', () => {
    expect(declare({ clientId: 'app', authentication: { method: 'client_secret_basic' } })).toThrow(/client_secret_basic needs clientSecret/)
    expect(declare({ clientId: 'app', authentication: { method: 'client_secret_post', clientSecret: '' } })).toThrow(/needs clientSecret/)
    expect(declare({ clientId: 'app', authentication: { method: 'private_key_jwt' } })).toThrow(/private_key_jwt needs privateKey/)
  })

  it('refuses a malformed redirect URI, one with a fragment, and a missing clientId', () => {
    expect(declare({ clientId: 'app', redirectUri: 'app.example/callback' })).toThrow(/redirect URI is not a URL/)
    expect(declare({ clientId: 'app', redirectUri: 'https://app.example/callback#x' })).toThrow(/fragment/)
    expect(declare({ clientId: '' })).toThrow(ConfigurationError)
  })

  it('checks a registration given to createGrantflow without defineClient too', () => {
    const literal = { clientId: 'app', redirectUri: REDIRECT_URI, authentication: { method: 'basic' } } as unknown as ClientRegistration
    expectRefusal(refusal({ clients: { acme: literal } }), /unknown authentication method basic/)
  })
})

describe('createGrantflow checks the options as a whole', () => {
  it('accepts a sound configuration', () => {
    expect(refusal({})).toBeUndefined()
  })

  it('refuses an environment the provider does not have, at once rather than at the first call', () => {
    expectRefusal(refusal({ environment: 'sandbox' }), /no environment "sandbox" \(it has: live\)/)
    expectRefusal(refusal({ environment: { acme: 'sandbox' } }), /no environment "sandbox"/)
  })

  it('refuses a client for a provider no API uses (a typo of its id)', () => {
    expectRefusal(refusal({ clients: { acme: client, acmee: client } }), /clients\.acmee: no API uses a provider "acmee"/)
  })

  it('refuses a per-environment client for an environment the provider does not have', () => {
    expectRefusal(refusal({ clients: { acme: { live: client, sandbx: client } } }), /no environment "sandbx"/)
    expect(refusal({ clients: { acme: { live: client } } })).toBeUndefined()
  })

  it('refuses an API without a client', () => {
    expectRefusal(refusal({ clients: {} }), /no client registered for acme/)
  })

  it('refuses a redirect navigator with a store that forgets the pending authorization on the redirect', () => {
    const win = { sessionStorage: new Map(), location: { assign() {}, origin: 'https://app.example' } } as unknown as NavigatorWindow
    expectRefusal(refusal({ navigator: createRedirectNavigator(win) }), /redirect navigator needs a store that survives the redirect/)
    const pendingStorage = { getItem: () => null, setItem() {}, removeItem() {}, key: () => null, length: 0 }
    expect(refusal({ navigator: createRedirectNavigator(win), store: createBrowserStore({ pendingStorage }) })).toBeUndefined()
  })

  it('refuses a server (no navigator) that cannot tell its users apart, rather than give them all one grant', () => {
    expectRefusal(refusal({ apiUser: {} }), /no navigator \(a server\) and no apiUser\.user resolver/)
    expectRefusal(refusal({ apiUser: undefined, interaction: 'none' }), /apiUser\.user/)
    // A runtime with a navigator is one person's (a browser): 'me' is who it is.
    const win = { location: { assign() {}, origin: 'https://app.example' } } as unknown as NavigatorWindow
    const pendingStorage = { getItem: () => null, setItem() {}, removeItem() {}, key: () => null, length: 0 }
    expect(refusal({ apiUser: undefined, navigator: createRedirectNavigator(win), store: createBrowserStore({ pendingStorage }) })).toBeUndefined()
  })

  it('refuses a provider declared without defineProvider whose API base URL is plain http off loopback', () => {
    const literal: Provider = { ...acme, environments: { live: { ...acme.environments.live!, apiBaseUrl: 'http://api.acme.example' } } }
    expectRefusal(refusal({ apis: { acme: apiOf(literal) } }), /apiBaseUrl must be https/)
  })
})

describe('authorization servers sharing a redirect URI (mix-up, RFC 9700 §4.4.2)', () => {
  const both = (a: Provider, b: Provider, clients: Record<string, ClientRegistration> = { [a.id]: client, [b.id]: client }) =>
    refusal({ apis: { a: apiOf(a), b: apiOf(b) }, clients, environment: 'live' })

  it('refuses one redirect URI for two servers when one of them does not send iss', () => {
    expectRefusal(both(acme, provider('globex', staticServer('globex', true))), /shares the redirect URI https:\/\/app\.example\/callback without sending iss/)
  })

  it('accepts it when both send iss, and a redirect URI per server whatever they send', () => {
    expect(both(provider('acme', staticServer('acme', true)), provider('globex', staticServer('globex', true)))).toBeUndefined()
    const own = defineClient({ clientId: 'app', redirectUri: 'https://app.example/callback/globex' })
    expect(both(acme, provider('globex', staticServer('globex')), { acme: client, globex: own })).toBeUndefined()
  })

  it('refuses a discovered server sharing it once its metadata shows it does not send iss, before the user is sent anywhere', async () => {
    const issuer = 'https://login.initech.example'
    const seen: string[] = []
    const fetch = (async (input: RequestInfo | URL) => {
      seen.push(String(input))
      return Response.json({ issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token` })
    }) as typeof globalThis.fetch
    const opened: string[] = []
    const initech = provider('initech', { issuer, discovery: 'oauth2' })
    const grantflow = createGrantflow({
      apis: { acme: apiOf(provider('acme', staticServer('acme', true))), initech: apiOf(initech) },
      apiUser: { user: () => 'me' },
      clients: { acme: client, initech: client },
      environment: 'live',
      fetch,
      navigator: { mode: 'custom', open: (url) => void opened.push(url) },
    })
    const error = await grantflow.apis.initech.me({}).catch((e: unknown) => e)
    expectRefusal(error, /login\.initech\.example shares a redirect URI without sending iss/)
    expect(seen).toEqual([`${issuer}/.well-known/oauth-authorization-server`])
    expect(opened).toEqual([])
    grantflow.dispose()
  })
})
