import { afterAll, beforeAll } from 'vitest'
import {
  createGrantflow,
  defaultDoors,
  defineApi,
  defineEndpoint,
  defineProvider,
  shape,
  type ClientRegistration,
  type ConsentNavigator,
  type GrantflowOptions,
  type OAuthContext,
} from '../../src/index.js'
import { resolveAuthorizationServer } from '../../src/protocol.js'
import { createBrowser, type LoginAndConsentOptions } from '../support/interact.js'
import { startOidcServer, type OidcServer, type OidcServerOptions } from '../support/oidcServer.js'
import type { OBLIGATIONS, VAT_RATES } from '../support/resourceServer.js'

export const VRN = '123456789'
export const COMPANY = { kind: 'company', id: 'acme-ltd' } as const

export interface VatReturn {
  periodKey: string
  vatDueSales: number
  totalVatDue: number
  netVatDue: number
  finalised: boolean
}

export function vatReturn(periodKey = '#001'): VatReturn {
  return { periodKey, vatDueSales: 1000, totalVatDue: 1000, netVatDue: 750, finalised: true }
}

/** What a world needs of the provider it runs against: startOidcServer's, or another test file's (clientAuthServer). */
export type LocalServer = Pick<OidcServer, 'issuer' | 'resourceUrl' | 'recordFromNow'> & { clients: Pick<OidcServer['clients'], 'public'> }

/** One oidc-provider (and its resource server) per test file, stopped after. */
export function useOidcServer(options: OidcServerOptions = {}): () => OidcServer {
  let server: OidcServer | undefined
  beforeAll(async () => {
    server = await startOidcServer(options)
  })
  afterAll(async () => {
    await server?.stop()
  })
  return () => {
    if (!server) throw new Error('the oidc server is not started yet (call it inside a test)')
    return server
  }
}

/** The local provider as an app declares it: discovered from its issuer, its API beside it. */
export function localProvider(server: LocalServer) {
  return defineProvider({
    id: 'local',
    name: 'Local OIDC',
    environments: {
      local: { authorizationServer: { issuer: server.issuer, discovery: 'oidc' }, apiBaseUrl: server.resourceUrl },
    },
  })
}

/** The resource server's VAT API, as an app declares it. */
export function vatApi(server: LocalServer) {
  return defineApi({
    id: 'vat',
    name: 'VAT',
    provider: localProvider(server),
    endpoints: {
      obligations: defineEndpoint({
        method: 'GET',
        path: '/organisations/vat/{vrn}/obligations',
        scopes: ['read:vat'],
        apiUser: 'company',
        result: shape<{ obligations: typeof OBLIGATIONS }>(),
      }),
      /** The same obligations, asked for by an app that also wants to know who signed in (OpenID). */
      obligationsSignedIn: defineEndpoint({
        method: 'GET',
        path: '/organisations/vat/{vrn}/obligations',
        scopes: ['openid', 'read:vat'],
        apiUser: 'company',
        result: shape<{ obligations: typeof OBLIGATIONS }>(),
      }),
      submitReturn: defineEndpoint({
        method: 'POST',
        path: '/organisations/vat/{vrn}/returns',
        scopes: ['write:vat'],
        apiUser: 'company',
        body: shape<VatReturn>(),
        result: shape<{ formBundleNumber: string; processingDate: string }>(),
      }),
      /** Declared with the scope it needs, but the resource server wants more: only its 403 says so. */
      submitReturnUnderdeclared: defineEndpoint({
        method: 'POST',
        path: '/organisations/vat/{vrn}/returns',
        scopes: ['read:vat'],
        apiUser: 'company',
        body: shape<VatReturn>(),
        result: shape<{ formBundleNumber: string; processingDate: string }>(),
      }),
      rates: defineEndpoint({
        method: 'GET',
        path: '/vat-rates',
        scopes: ['read:vat'],
        apiUser: 'application',
        result: shape<{ rates: typeof VAT_RATES }>(),
      }),
    },
  })
}

export type VatApi = ReturnType<typeof vatApi>

export interface LocalWorldOptions {
  /** The app's registration at the provider; default the public client. */
  client?: ClientRegistration
  /** How the simulated user answers at the provider; `none` means nobody is there (interaction 'none'). */
  user?: LoginAndConsentOptions | 'none'
  grantflow?: Partial<GrantflowOptions<{ vat: VatApi }>>
}

/**
 * An app's grantflow against the local provider, and a simulated user: a browser whose
 * navigator goes to the provider, signs in, consents (or cancels) and hands the callback to
 * `completeAuthorization`, as the app's callback route would. Time can be moved forward for
 * the app only (`clock.advance`): the servers keep real time.
 */
export function localWorld(server: LocalServer, options: LocalWorldOptions = {}) {
  const vat = vatApi(server)
  const browser = createBrowser()
  const visits: string[] = []
  const callbacks: string[] = []
  let offset = 0
  const clock = {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms
    },
  }
  const user = options.user ?? {}
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      visits.push(url)
      if (user === 'none') return
      const callback = await browser.loginAndConsent(url, user)
      callbacks.push(callback)
      // A failure reaches the caller through the wizard (the session records it).
      await grantflow.completeAuthorization(callback).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { local: options.client ?? server.clients.public },
    environment: 'local',
    apiUser: { company: () => COMPANY.id },
    now: clock.now,
    ...(user === 'none' ? { interaction: 'none' as const } : { navigator }),
    ...options.grantflow,
  })
  /** The scope parameter of each authorization URL the user was sent to. */
  const askedScopes = () => visits.map((url) => new URL(url).searchParams.get('scope'))
  // The servers live for the whole file: this world's share of what they recorded starts here.
  const recorded = server.recordFromNow()
  return { grantflow, vat, browser, visits, callbacks, askedScopes, clock, recorded }
}

/** What a protocol step needs to talk to the local provider as one client (for steps shown alone). */
export async function oauthContext(server: LocalServer, client: ClientRegistration): Promise<OAuthContext> {
  const doors = defaultDoors()
  return { as: await resolveAuthorizationServer({ issuer: server.issuer, discovery: 'oidc' }, doors), client, doors, fixes: [] }
}

/** Calls the resource server with a bearer token, as any client of the API would. */
export function callResource(
  server: LocalServer,
  accessToken: string,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown } = {},
): Promise<Response> {
  return fetch(new URL(path, server.resourceUrl), {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${accessToken}`, ...(init.body !== undefined && { 'content-type': 'application/json' }) },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  })
}
