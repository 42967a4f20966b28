import { waitFor, type Snapshot } from 'xstate'
import {
  createBrowserStore,
  createGrantflow,
  defineApi,
  defineClient,
  defineEndpoint,
  defineProvider,
  shape,
  type ConsentNavigator,
  type NavigatorRuntime,
} from '../../src/index.js'
import type { PendingCall } from '../../src/model/session.js'
import { createProviderKit } from '../../src/testing/index.js'
import { REDIRECT_URI, testClock, type useMsw } from '../support/vatWorld.js'
import { createFaultInjector, faultyStorage } from './faultInjector.js'

/** Short enough that a timeout costs the matrix little, long enough for a busy machine's answers. */
export const TIMEOUT_MS = 300
export const LOGIN = 'login.acme.example'
export const API_HOST = 'api.acme.example'
const SECRET = 'acme-client-secret'

/** A provider found by discovery, with a revocation endpoint, a user API and an application API. */
const provider = defineProvider({
  id: 'acme',
  name: 'Acme Corp',
  environments: { production: { authorizationServer: { issuer: `https://${LOGIN}`, discovery: 'oauth2' }, apiBaseUrl: `https://${API_HOST}` } },
})

export const acme = defineApi({
  id: 'acme',
  name: 'Acme records',
  provider,
  endpoints: {
    records: defineEndpoint({ method: 'GET', path: '/records', scopes: ['read'], result: shape<{ records: unknown[] }>() }),
    addRecord: defineEndpoint({ method: 'POST', path: '/records', scopes: ['write'], body: shape<{ text: string }>(), result: shape<{ id: number }>() }),
    status: defineEndpoint({ method: 'GET', path: '/status', scopes: ['status'], apiUser: 'application', result: shape<{ up: boolean }>() }),
  },
})

export const POST_CALL: PendingCall = { api: 'acme', endpoint: 'addRecord', params: {}, body: { text: 'once only' } }

/** How the simulated user answers at the provider. */
export type UserBehaviour = 'approves' | 'leaves'

/**
 * The fault matrix's world: the provider kit (MSW) behind a fault injector, a runtime that can be
 * disposed and restored from what its tab kept (a "tab closed mid-flow"), Web Storage areas that
 * can fill up or become unavailable, and a clock shared by the app and the provider.
 */
export function faultWorld(options: { server: ReturnType<typeof useMsw> }) {
  const clock = testClock()
  const posted: unknown[] = []
  const kit = createProviderKit({
    provider,
    environment: 'production',
    clients: [{ clientId: 'app', clientSecret: SECRET, authMethod: 'client_secret_post', redirectUris: [REDIRECT_URI] }],
    now: clock.now,
    api: [
      { method: 'GET', path: '/records', scopes: ['read'], userOnly: true, respond: () => ({ records: posted }) },
      { method: 'POST', path: '/records', scopes: ['write'], userOnly: true, respond: ({ body }) => (posted.push(body), { id: posted.length }) },
      { method: 'GET', path: '/status', scopes: ['status'], applicationOnly: true, respond: () => ({ up: true }) },
    ],
  })
  options.server.use(...kit.handlers)
  const net = createFaultInjector({ login: LOGIN, api: API_HOST })
  // What a tab keeps across a reload: sessionStorage (pending authorizations) and, here, tokens too.
  const pendingStorage = faultyStorage()
  const tokenStorage = faultyStorage()
  const world = {
    clock,
    kit,
    net,
    /** What the API received from POST /records, in order. */
    posted,
    pendingStorage,
    tokenStorage,
    user: 'approves' as UserBehaviour,
    /** Runs after the user approved, before the callback reaches the runtime. */
    beforeCallback: undefined as (() => void) | undefined,
    /** Authorization URLs the user was sent to, and the callbacks the provider redirected to. */
    visits: [] as string[],
    callbacks: [] as string[],
    grantflow: undefined as unknown as ReturnType<typeof openRuntime>,
    /** The wizard the last consent saved before sending the user away (a redirect navigator's sessionStorage entry). */
    savedWizard: undefined as Snapshot<unknown> | undefined,
    /** The user's session key, once a test has looked it up. */
    sessionKey: undefined as string | undefined,
    /** How many storage accesses a fault refused, in both areas. */
    storageRefusals: () => pendingStorage.refused + tokenStorage.refused,
    /** Makes both storage areas misbehave (or behave again). */
    storageFault(fault: 'full' | 'unavailable' | undefined) {
      pendingStorage.fault = fault
      tokenStorage.fault = fault
    },
    /** The tab is closed: the runtime stops, and a new one starts from what the tab kept. */
    reopen() {
      world.grantflow.dispose()
      world.grantflow = openRuntime()
      return world.grantflow
    },
    /** The user at the provider: follows the authorization URL and returns where it redirects, through the faulty network. */
    async approveAt(url: string): Promise<string> {
      const response = await net.fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) })
      const location = response.headers.get('location')
      if (response.status !== 302 || !location) throw new Error(`the provider answered ${response.status} instead of redirecting`)
      world.callbacks.push(location)
      return location
    },
    close() {
      net.close()
      world.grantflow.dispose()
    },
  }

  function openRuntime() {
    let runtime: NavigatorRuntime | undefined
    // A user who, like one in front of a popup, closes it when the provider shows an error page.
    const navigator: ConsentNavigator = {
      mode: 'custom',
      connect: (connected) => (runtime = connected),
      async open(url, { sessionKey, saveWizard }) {
        world.visits.push(url)
        // As a redirect navigator does before leaving: what a new tab resumes the call from.
        world.savedWizard = JSON.parse(JSON.stringify(saveWizard())) as Snapshot<unknown>
        if (world.user === 'leaves') return
        let callback: string
        try {
          callback = await world.approveAt(url)
        } catch {
          runtime?.abandonConsent(sessionKey)
          return
        }
        // Once: a spoiler still set afterwards tells the matrix its callback never came.
        const spoil = world.beforeCallback
        world.beforeCallback = undefined
        spoil?.()
        await runtime?.completeAuthorization(callback).catch(() => undefined)
      },
    }
    return createGrantflow({
      apis: { acme },
      clients: { acme: defineClient({ clientId: 'app', redirectUri: REDIRECT_URI, authentication: { method: 'client_secret_post', clientSecret: SECRET } }) },
      environment: 'production',
      apiUser: { user: () => 'ada' },
      store: createBrowserStore({ pendingStorage, tokenStorage, persistRefreshTokens: true }),
      navigator,
      fetch: net.fetch,
      now: clock.now,
      timeoutMs: TIMEOUT_MS,
      apiTimeoutMs: TIMEOUT_MS,
      // A retry's wait passes on the world's clock, not in real time.
      sleep: async (ms) => clock.advance(ms),
    })
  }

  world.grantflow = openRuntime()
  return world
}

export type FaultWorld = ReturnType<typeof faultWorld>

export type Wizard = Awaited<ReturnType<FaultWorld['grantflow']['startWizard']>>

/** A wizard's end: done with a result, or failed with the call kept. */
export const wizardEnd = (wizard: Wizard) => waitFor(wizard, (s) => s.status === 'done' || s.matches('failed'), { timeout: Infinity })

/** Runs a call through a wizard to its end. */
export async function wizardCall(world: FaultWorld, call: PendingCall) {
  const wizard = await world.grantflow.startWizard(call)
  return { wizard, end: await wizardEnd(wizard) }
}
