import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import {
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  hmrc,
  piste,
  shape,
  type ConsentNavigator,
  type GrantflowOptions,
  type SessionStore,
} from '../../src/index.js'
import {
  createProviderKit,
  hmrcVatRoutes,
  LEGIFRANCE_GET_ARTICLE_PATH,
  pisteRoutes,
  type ProviderKit,
  type ProviderKitOptions,
  type VatObligation,
  type VatReturn,
} from '../../src/testing/index.js'

export const REDIRECT_URI = 'https://app.example/callback'
export const VRN = '123456789'

/** HMRC's VAT API as an app declares it. */
export const vat = defineApi({
  id: 'vat',
  name: 'VAT (Making Tax Digital)',
  provider: hmrc,
  endpoints: {
    obligations: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/{vrn}/obligations',
      scopes: ['read:vat'],
      apiUser: 'company',
      query: shape<{ from?: string; to?: string; status?: 'O' | 'F' }>(),
      result: shape<{ obligations: VatObligation[] }>(),
    }),
    submitReturn: defineEndpoint({
      method: 'POST',
      path: '/organisations/vat/{vrn}/returns',
      scopes: ['write:vat'],
      apiUser: 'company',
      body: shape<VatReturn>(),
      // HMRC's receipt.
      result: shape<{ processingDate: string; formBundleNumber: string; chargeRefNumber?: string; paymentIndicator?: 'DD' | 'BANK' }>(),
    }),
    viewReturn: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/{vrn}/returns/{periodKey}',
      scopes: ['read:vat'],
      apiUser: 'company',
      result: shape<Omit<VatReturn, 'finalised'>>(),
    }),
  },
})

/** Légifrance behind PISTE, called as the application itself. */
export const legifrance = defineApi({
  id: 'legifrance',
  name: 'Légifrance',
  provider: piste,
  endpoints: {
    getArticle: defineEndpoint({
      method: 'POST',
      path: LEGIFRANCE_GET_ARTICLE_PATH,
      scopes: ['openid'],
      apiUser: 'application',
      body: shape<{ id: string }>(),
      result: shape<{ article: { id: string; texte: string } }>(),
    }),
  },
})

export { vatReturn } from './vatReturn.js'

/** One MSW server per test file. */
export function useMsw() {
  const server = setupServer()
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())
  return server
}

/** A settable clock shared by the app and the fake provider, so expiry can be reached by moving time. */
export function testClock(start = Date.UTC(2026, 10, 23, 9, 0, 0)) {
  let now = start
  return {
    now: () => now,
    advance(ms: number) {
      now += ms
    },
  }
}

/** The kit's counts of what happens from now on (kit.reset() would also forget the grant). */
export function countsSince(kit: ProviderKit) {
  const base = structuredClone(kit.counters)
  return () => ({
    tokenRequests: kit.counters.tokenRequests - base.tokenRequests,
    refreshes: kit.counters.tokenRequestsByGrant.refresh_token - base.tokenRequestsByGrant.refresh_token,
    authorizations: kit.counters.authorizations - base.authorizations,
    apiCalls: kit.counters.apiCalls - base.apiCalls,
  })
}

export interface WorldOptions {
  server: ReturnType<typeof useMsw>
  kit?: Partial<ProviderKitOptions>
  grantflow?: Partial<GrantflowOptions<{ vat: typeof vat; legifrance: typeof legifrance }>>
  store?: SessionStore
  /** How the fake user at the provider answers; default a user who approves at once. */
  user?: 'approves' | 'none'
}

/**
 * The VAT world: a fake HMRC (and PISTE) from the provider kit, and an app's grantflow whose
 * navigator is a user who goes to the provider, approves and comes back.
 */
export function vatWorld(options: WorldOptions) {
  const clock = testClock()
  const routes = hmrcVatRoutes()
  const kit = createProviderKit({
    provider: hmrc,
    environment: 'sandbox',
    clients: [{ clientId: 'vat-app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    api: routes,
    accessTokenTtlSeconds: 4 * 3600,
    now: clock.now,
    ...options.kit,
  })
  const pisteKit = createProviderKit({
    provider: piste,
    environment: 'sandbox',
    clients: [{ clientId: 'legal-app', clientSecret: 'piste-secret', authMethod: 'client_secret_post' }],
    api: pisteRoutes(),
    issueRefreshTokens: false,
    now: clock.now,
  })
  options.server.use(...kit.handlers, ...pisteKit.handlers)
  const visits: string[] = []
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      visits.push(url)
      const callback = await kit.authorize(url)
      await grantflow.completeAuthorization(callback).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { vat, legifrance },
    clients: {
      hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }),
      piste: defineClient({ clientId: 'legal-app', authentication: { method: 'client_secret_post', clientSecret: 'piste-secret' } }),
    },
    environment: 'sandbox',
    apiUser: { company: () => 'acme-ltd' },
    now: clock.now,
    ...(options.store && { store: options.store }),
    ...(options.user !== 'none' && { navigator }),
    ...options.grantflow,
  })
  return { kit, pisteKit, routes, clock, grantflow, visits }
}
