import type { SyncPlugin } from '../sync/plugin.js'
import { createActor, type ActorOptions, type ActorRefFrom, type AnyActorLogic, type PromiseActorLogic, type Snapshot } from 'xstate'
import type { ConsentRequest } from '../../machines/tokenSession.js'
import type { Interaction } from '../../machines/callWizard.js'
import { CancelledError, ConfigurationError, type GrantflowError } from '../errors.js'
import type { Api, ApiUserKind, Endpoint } from '../model/api.js'
import { PENDING_AUTHORIZATION_TTL_MS, type ApiUser, type PendingAuthorization, type PendingCall, type Session } from '../model/session.js'
import type { TokenSet } from '../model/tokens.js'
import { defaultDoors, type HttpDoors } from '../oauth/doors.js'
import type { RetryOptions } from '../oauth/retry.js'
import type { SessionStore } from '../session/store.js'
import { guardedStore } from '../session/guardedStore.js'
import type { SessionLock } from './lock.js'
import type { ConsentNavigator } from './navigation.js'
import { createTargetResolver, resolveApiUser, type ApiUserResolvers, type ClientsConfig, type SessionTarget } from './targets.js'
import { createTokenSessions, type TokenSessionActor } from './tokenSessions.js'
import type { ProviderBinding } from './binding.js'
import { loadSteps } from '../oauth/loadSteps.js'
import { validateOptions } from './validateOptions.js'
import { attemptCall, type RefreshMode, type WizardDeps } from './attempt.js'
import { redactedInspector } from './inspection.js'
import type { AttemptOutcome } from '../../machines/callWizard.js'
import type { WizardActors, WizardMachine, wizardEnded } from './wizardActors.js'
import type { CallbackBinding } from './callbacks.js'
import type { SessionActions } from './sessionActions.js'

export interface GrantflowOptions<Apis extends Record<string, Api>, Context = undefined> {
  /** The APIs the app calls, by the name it will call them with. */
  apis: Apis
  /**
   * The app's client at each provider (by provider id), or per environment: a registration, or
   * an async function obtaining one when the provider is first needed (kept for `bindingTtlMs`).
   */
  clients: ClientsConfig
  /** Which environment to use: one for every API, or per API id. */
  environment: string | Record<string, string>
  /** Where sessions live (default: memory). */
  store?: SessionStore
  /**
   * Who the current user, company and employee are, from the context a call is made with
   * (`withContext(request)` on a server; `undefined` through `grantflow.apis`). By default one
   * user ("me").
   */
  apiUser?: ApiUserResolvers<Context>
  /**
   * How consent is obtained: `automatic` (go to the provider at once), `guided` (the wizard waits
   * in `unauthorized` for the user to accept) or `none` (calls fail with ConsentRequiredError
   * carrying the authorization URL: servers, background jobs). Default: `none` unless a
   * navigator is given, then `automatic`.
   */
  interaction?: Interaction
  /**
   * How the user is sent to the provider: `createRedirectNavigator()`, `createPopupNavigator()`,
   * or a navigator of your own (a test's simulated user, a native app's browser tab).
   */
  navigator?: ConsentNavigator
  /** Where the user returns after a redirect consent; default: nowhere (the callback route decides). */
  returnTo?: () => string | undefined
  /** requests-oauthlib's refresh behaviours: refresh silently (`auto`), throw TokenExpiredError (`raise`), or refresh and call `onTokensUpdated` (`notify`). */
  refresh?: RefreshMode
  onTokensUpdated?: (session: Session) => void
  /**
   * Keeps tabs or instances that share the store in step (`createBroadcastSync()` for tabs): what
   * one saves, the others' live sessions take from the store without a token request.
   */
  sync?: SyncPlugin[]
  /** The lock behind single-flight refresh (default: in-process; `createWebLock()` spans tabs). */
  lock?: SessionLock
  fetch?: typeof fetch
  /** The clock, epoch milliseconds. */
  now?: () => number
  /**
   * How long a pending authorization waits for its callback (default 10 minutes): a callback
   * that comes later is refused with InvalidCallbackError (`expired`), and a call asks anew.
   */
  pendingAuthorizationTtlMs?: number
  /**
   * How many token sessions stay live in memory (default 500): the least recently used idle ones
   * are let go, and read from the store again when next called. Bounds a server's memory however
   * many users it ever served.
   */
  maxLiveSessions?: number
  /**
   * How long discovered authorization server metadata and clients obtained at runtime are kept
   * before they are fetched again (default 1 hour). A failure is not kept.
   */
  bindingTtlMs?: number
  /** Timeout of token, discovery and revocation requests (default 30 s). */
  timeoutMs?: number
  /**
   * Timeout of API calls, the whole answer included (default 30 s); an endpoint's `timeoutMs`
   * wins. A call that runs out ends in ProviderUnreachableError with reason `timeout`.
   */
  apiTimeoutMs?: number
  /**
   * Retries of transient failures, with backoff and jitter, honouring Retry-After: discovery,
   * client credentials and revocation on network failures, timeouts and 408/429/502/503/504; a
   * refresh only when the provider provably did not process it (408/429/503, connection refused).
   * API calls only when the app says so (`getCalls: true`, or an endpoint's `retry`), GET only.
   * Default: 3 attempts within 10 s; `false`: every request is tried once.
   */
  retry?: RetryOptions | false
  /** Waits between retries (default setTimeout): a test passes one that returns at once. */
  sleep?: (ms: number) => Promise<void>
  /**
   * Receives every actor's inspection events (XState's `inspect`): pass `createBrowserInspector().inspect`
   * from @statelyai/inspect to watch live wizards and token sessions in the Stately inspector.
   * Tokens, codes, PKCE verifiers, nonces, states and secrets in them are redacted ("…a1b2").
   */
  inspect?: ActorOptions<AnyActorLogic>['inspect']
  /** Timers for the wizard's delays (XState's clock: a SimulatedClock in tests). */
  clock?: ActorOptions<AnyActorLogic>['clock']
  /**
   * Replaces or decorates the machines' actors (logging, metrics, a test's gates): receives the
   * runtime's implementations and returns the ones to use.
   */
  actors?: {
    wizard?: (actors: WizardActors) => Partial<WizardActors>
    tokenSession?: (actors: TokenSessionActors, target: SessionTarget) => Partial<TokenSessionActors>
  }
}

export type { WizardActors }

/** The I/O actors of a token session's machine, which `actors.tokenSession` may replace or decorate. */
export interface TokenSessionActors {
  /** Reads the session from the store (dropping a pending authorization past its lifetime). */
  loadSession: PromiseActorLogic<Session | undefined, { key: string }>
  /** Renews the tokens with the refresh token, once across tabs and instances (the lock). */
  refreshTokens: PromiseActorLogic<TokenSet, { key: string; tokens: TokenSet }>
  /** Obtains the application's token (client credentials). */
  requestToken: PromiseActorLogic<TokenSet, { key: string; tokens: TokenSet | undefined }>
  /** Builds the authorization URL and keeps the pending authorization in the store. */
  prepareConsent: PromiseActorLogic<{ url: string; pending: PendingAuthorization }, { key: string; request: ConsentRequest; granted: string[] }>
  /** Validates the callback and exchanges its code, once. */
  exchangeCode: PromiseActorLogic<TokenSet, { key: string; callback: URLSearchParams; pending: PendingAuthorization }>
  /** Revokes the tokens at the provider (where it can) and forgets them. */
  revokeTokens: PromiseActorLogic<boolean, { key: string; tokens: TokenSet | undefined }>
}

type ParamsOf<E> = E extends Endpoint<infer P, unknown, unknown> ? P : never
type BodyOf<E> = E extends Endpoint<unknown, infer B, unknown> ? B : never
type ResultOf<E> = E extends Endpoint<unknown, unknown, infer R> ? R : never

/** A declared endpoint made callable: `(params, body?) => Promise<result>`. */
export type EndpointFunction<E> = [BodyOf<E>] extends [undefined]
  ? (params: ParamsOf<E>) => Promise<ResultOf<E>>
  : (params: ParamsOf<E>, body: BodyOf<E>) => Promise<ResultOf<E>>

export type CallableApi<A extends Api> = { [K in keyof A['endpoints']]: EndpointFunction<A['endpoints'][K]> }

export type WizardActor = ActorRefFrom<WizardMachine>

/** What completing an authorization gives back: where to send the user, and the call to replay. */
export interface CompletedAuthorization {
  sessionKey: string
  returnTo?: string
  call?: PendingCall
}

/** The kinds of API user a person's call can be for (the application's is the app itself). */
export type PersonKind = Exclude<ApiUserKind, 'application'>

/** A runtime's stored sessions. */
export interface GrantflowSessions {
  /** Every stored session of an API user. */
  list(apiUser: ApiUser): Promise<Session[]>
  get(key: string): Promise<Session | undefined>
  /**
   * Revokes the session at the provider (where it can) and forgets its tokens, always. Says
   * whether the provider revoked the grant: `revoked: false` with no error when it has no
   * revocation endpoint (HMRC), with the error when it could not be told (the tokens may then
   * stay valid there until they expire).
   */
  disconnect(key: string): Promise<{ revoked: boolean; error?: GrantflowError }>
  /** Renews a stale token now (for `refresh: 'raise'`, after TokenExpiredError), through the same single flight. */
  refresh(key: string): Promise<void>
}

/**
 * The sessions of one context's API users: a key of anyone else's session is not found, so a
 * server's request handler cannot reach another user's session by its key.
 */
export interface ScopedSessions extends Omit<GrantflowSessions, 'list'> {
  /** The stored sessions of this context's API user of a kind (`user`, `company`, `employee`). */
  list(kind: PersonKind): Promise<Session[]>
}

/**
 * The runtime seen from one context (a server's request): its calls are made for the API users
 * the `apiUser` resolvers find in that context.
 *
 * @example
 * const { vat } = grantflow.withContext(request).apis
 * await vat.submitReturn({ vrn }, vatReturn)
 */
export interface ScopedGrantflow<Apis extends Record<string, Api> = Record<string, Api>> {
  apis: { [K in keyof Apis]: CallableApi<Apis[K]> }
  /** Calls an endpoint for this context's API user; consent, refresh and the retry happen underneath. */
  call(pending: PendingCall): Promise<unknown>
  sessions: ScopedSessions
}

/**
 * The runtime an app calls its APIs through (see createGrantflow). `apis`, `call` and `sessions`
 * use the resolvers without a context (a single-page app's one user); a server calls through
 * `withContext(request)`.
 */
export interface Grantflow<Apis extends Record<string, Api> = Record<string, Api>, Context = undefined> {
  /** Each declared API's endpoints as functions: `grantflow.apis.vat.obligations(params)`. */
  apis: { [K in keyof Apis]: CallableApi<Apis[K]> }
  /** The same runtime for calls made in a context (a server's request): `withContext(request).apis.vat…`. */
  withContext(context: Context): ScopedGrantflow<Apis>
  /** The navigation door in use (React calls `prepare()` on a popup navigator from the click). */
  navigator: ConsentNavigator | undefined
  /** Calls an endpoint; consent, refresh and the retry happen underneath. A call that names its `apiUser` is made for that user. */
  call(pending: PendingCall): Promise<unknown>
  /** Starts a wizard for a call (React binds to it; the promise API awaits it). */
  startWizard(call?: PendingCall, options?: { interaction?: Interaction }): Promise<WizardActor>
  /** Restores a wizard saved before a redirect, to deliver it the callback and replay its call. */
  resumeWizard(persisted: Snapshot<unknown>): Promise<WizardActor>
  /**
   * Finishes an authorization from the provider's redirect: finds the session whose pending
   * authorization has the callback's `state`, checks who brings it, validates it (state, iss,
   * provider errors) and exchanges the code. Once: a second completion of the same callback is
   * refused (`code_already_used`), so a replayed callback never hands the pending call back again.
   *
   * A runtime without a navigator (a server) serves many browsers, so it must be told who brings
   * the callback: the `binding` the ConsentRequiredError carried (kept in that browser's HttpOnly
   * cookie), or the API user of the request. A mismatch is refused (`binding_mismatch`).
   */
  completeAuthorization(callbackUrl: string | URL, expected?: CallbackBinding): Promise<CompletedAuthorization>
  /** Ends a consent (its waiting calls fail with `error`); resolves once the store forgot it too. */
  abandonConsent(sessionKey: string, error?: GrantflowError): Promise<void>
  /** The live token session actor of a session key, if one was started. */
  tokenSession(key: string): TokenSessionActor | undefined
  /** The token session a call would use, started (and loaded from the store) if need be. */
  tokenSessionFor(pending: PendingCall): TokenSessionActor
  sessions: GrantflowSessions
  /** Stops every live actor (tests, hot reload). */
  dispose(): void
}

/**
 * The store of a runtime given none (memory), loaded on its first use: an app that brings its own
 * (a single-page app's browser store) never loads it.
 */
function defaultStore(): SessionStore {
  let memory: Promise<SessionStore> | undefined
  const load = () => (memory ??= import('../session/memoryStore.js').then((m) => m.createMemoryStore()))
  return {
    get: async (key) => (await load()).get(key),
    set: async (session, expected) => (await load()).set(session, expected),
    delete: async (key) => (await load()).delete(key),
    list: async (apiUser) => (await load()).list(apiUser),
    findByState: async (state) => (await load()).findByState(state),
    take: async (state) => (await load()).take(state),
  }
}

/**
 * Creates the runtime an app calls its APIs through.
 *
 * @example
 * const grantflow = createGrantflow({
 *   apis: { vat },
 *   clients: { hmrc: defineClient({ clientId, redirectUri }) },
 *   environment: 'sandbox',
 *   navigator: createRedirectNavigator(),
 * })
 * const { vat } = grantflow.apis
 * await vat.submitReturn({ vrn }, vatReturn)
 *
 * @example
 * // A server: who the call is for comes from the request.
 * const grantflow = createGrantflow({ apis: { vat }, clients, environment: 'production', store, apiUser: { company: (request: AppRequest) => request.companyId } })
 * await grantflow.withContext(request).apis.vat.submitReturn({ vrn }, vatReturn)
 */
export function createGrantflow<const Apis extends Record<string, Api>, Context = undefined>(
  options: GrantflowOptions<Apis, Context>,
): Grantflow<Apis, Context> {
  const doors: HttpDoors = defaultDoors(options)
  // Its failures become StorageError, so every failure the runtime ends with is typed.
  const store = guardedStore(options.store ?? defaultStore())
  // Calls and stored sessions name an API by its id, whatever key the app gave it in `apis`.
  const apisById: Record<string, Api> = {}
  for (const api of Object.values(options.apis)) {
    if (apisById[api.id] && apisById[api.id] !== api) throw new ConfigurationError(`two APIs share the id "${api.id}"`)
    apisById[api.id] = api
  }
  const resolvers = options.apiUser
  const config = { apis: apisById, clients: options.clients, environment: options.environment, apiUser: resolvers as ApiUserResolvers<never> | undefined }
  const redirects = validateOptions(config, options)
  const interaction: Interaction = options.interaction ?? (options.navigator ? 'automatic' : 'none')

  // The provider binding (authorization server, client), loaded with the protocol steps: a call
  // with a valid token needs only the session's identity.
  let binder: Promise<(target: SessionTarget) => Promise<ProviderBinding>> | undefined
  const oauthContext = async (target: SessionTarget): Promise<ProviderBinding> =>
    (await (binder ??= loadSteps().then((steps) => steps.createBindingResolver({ clients: options.clients, doors, redirects, ttlMs: options.bindingTtlMs }))))(
      target,
    )

  const pendingTtlMs = options.pendingAuthorizationTtlMs ?? PENDING_AUTHORIZATION_TTL_MS
  // Wizards and token sessions show the app's inspector redacted events only: it may be another origin's.
  const inspect = options.inspect && redactedInspector(options.inspect)
  const sessions = createTokenSessions({
    store,
    pendingTtlMs,
    maxLiveSessions: options.maxLiveSessions,
    lock: options.lock,
    doors,
    oauthContext,
    onTokensUpdated: options.onTokensUpdated,
    sync: options.sync,
    refresh: options.refresh,
    decorate: options.actors?.tokenSession,
    inspect,
  })
  // Loaded with the first callback: a page that never receives one never loads it.
  let callbacksModule: Promise<ReturnType<typeof import('./callbacks.js').createCallbacks>> | undefined
  const callbacks = () =>
    (callbacksModule ??= import('./callbacks.js').then((m) =>
      m.createCallbacks({ sessions, store, config, now: doors.now, pendingTtlMs, requireBinding: interaction === 'none', abandon: abandonConsent }),
    ))

  /**
   * Finishes an authorization from the provider's redirect: finds the session whose pending
   * authorization has the callback's `state`, checks who brings it, validates it (state, iss,
   * provider errors) and exchanges the code. Once: a second completion of the same callback is
   * refused (`code_already_used`), so a replayed callback never hands the pending call back again.
   *
   * A runtime without a navigator (a server) serves many browsers, so it must be told who brings
   * the callback: the `binding` the ConsentRequiredError carried (kept in that browser's HttpOnly
   * cookie), or the API user of the request. A mismatch is refused (`binding_mismatch`).
   */
  const completeAuthorization = async (callbackUrl: string | URL, expected?: CallbackBinding): Promise<CompletedAuthorization> =>
    (await callbacks()).complete(callbackUrl, expected)

  const deps: WizardDeps = {
    inFlightExpiries: new WeakMap(),
    config,
    target: createTargetResolver(config),
    sessions,
    doors,
    refresh: options.refresh ?? 'auto',
    // A wizard's callback comes to the page that started the consent: it joins the exchange.
    completeAuthorization: async (callbackUrl) => (await callbacks()).deliver(callbackUrl),
    pendingTtlMs,
    returnTo: options.returnTo,
  }
  // Loaded when a call first needs the wizard: a call with a valid token never does.
  let wizardModule: Promise<{ machine: WizardMachine; drive: (actor: WizardActor, alreadyOpened?: string) => void; ended: typeof wizardEnded }> | undefined
  const loadWizard = () =>
    (wizardModule ??= import('./wizardActors.js').then((m) => ({
      machine: m.createWizardMachine(deps, options.actors?.wizard),
      drive: (actor: WizardActor, alreadyOpened?: string) => m.driveNavigation(actor, options.navigator, abandonConsent, alreadyOpened),
      ended: m.wizardEnded,
    })))
  let wizardCount = 0

  /** Ends a consent (its waiting calls fail with `error`); resolves once the store forgot it too. */
  const abandonConsent = async (sessionKey: string, error: GrantflowError = new CancelledError('the consent window was closed')): Promise<void> => {
    const actor = sessions.byKey(sessionKey)?.actor
    const state = actor?.getSnapshot().context.pending?.state
    actor?.send({ type: 'CONSENT_ABANDONED', error })
    if (state) await sessions.forgetPending(sessionKey, state)
  }

  /** Starts a wizard for a call (React binds to it; the promise API awaits it). */
  const startWizard = async (call?: PendingCall, wizardOptions: { interaction?: Interaction; firstAttempt?: AttemptOutcome } = {}): Promise<WizardActor> => {
    const wizard = await loadWizard()
    const actor = createActor(wizard.machine, {
      ...(options.clock && { clock: options.clock }),
      ...(inspect && { inspect }),
      input: {
        interaction: wizardOptions.interaction ?? interaction,
        wizardId: `wizard-${++wizardCount}`,
        ...(call && { call }),
        ...(wizardOptions.firstAttempt && { firstAttempt: wizardOptions.firstAttempt }),
      },
    })
    wizard.drive(actor)
    return actor.start()
  }

  /** Restores a wizard saved before a redirect, to deliver it the callback and replay its call. */
  const resumeWizard = async (persisted: Snapshot<unknown>): Promise<WizardActor> => {
    const wizard = await loadWizard()
    const actor = createActor(wizard.machine, {
      snapshot: persisted,
      input: {},
      ...(options.clock && { clock: options.clock }),
      ...(inspect && { inspect }),
    })
    // Restored at the provider: the user is back from it, so it is not opened again.
    wizard.drive(actor, actor.getSnapshot().context.authorizationUrl)
    return actor.start()
  }

  /** The call with its API user recorded: the one it names, else the resolvers' answer in `context`. */
  const withApiUser = (pending: PendingCall, context?: Context): PendingCall => {
    const kind = pending.apiUser ? undefined : config.apis[pending.api]?.endpoints[pending.endpoint]?.apiUser
    return kind ? { ...pending, apiUser: resolveApiUser(resolvers, kind, context as Context) } : pending
  }

  /** Calls an endpoint; consent, refresh and the retry happen underneath. */
  const call = async (made: PendingCall, context?: Context): Promise<unknown> => {
    const pending = withApiUser(made, context)
    // Happy path: a fresh token means one snapshot read and one request, no wizard.
    const first = await attemptCall(deps, pending)
    if (first.kind === 'succeeded') return first.value
    // The wizard's first attempt is this one: a refused request is not sent again before consent.
    const actor = await startWizard(pending, { firstAttempt: first })
    const done = await (await loadWizard()).ended(actor)
    actor.stop()
    if (done.matches('succeeded')) return done.context.result
    throw done.context.error
  }

  /** Each API's endpoints as functions, their calls made in `context`. */
  const callablesIn = (context?: Context) =>
    Object.fromEntries(
      Object.entries(options.apis).map(([apiName, api]) => [
        apiName,
        Object.fromEntries(
          Object.keys(api.endpoints).map((endpoint) => [
            endpoint,
            (params: Record<string, unknown> = {}, body?: unknown) => call({ api: api.id, endpoint, params, ...(body !== undefined && { body }) }, context),
          ]),
        ),
      ]),
    ) as unknown as { [K in keyof Apis]: CallableApi<Apis[K]> }

  // Loaded on first use (see sessionActions.ts).
  let actionsModule: Promise<SessionActions> | undefined
  const actions = () => (actionsModule ??= import('./sessionActions.js').then((m) => m.createSessionActions({ sessions, store, config, doors })))

  const sessionsView: GrantflowSessions = {
    list: (apiUser) => store.list(apiUser),
    get: (key) => store.get(key),
    disconnect: async (key) => (await actions()).disconnect(key),
    refresh: async (key) => (await actions()).refresh(key),
  }

  const withContext = (context: Context): ScopedGrantflow<Apis> => {
    const userOf = (kind: ApiUserKind) => resolveApiUser(resolvers, kind, context)
    return {
      apis: callablesIn(context),
      call: (pending) => call(pending, context),
      sessions: {
        list: async (kind) => store.list(userOf(kind)),
        get: async (key) => (await actions()).own(key, userOf),
        disconnect: async (key) => (await actions()).ownDisconnect(key, userOf),
        refresh: async (key) => (await actions()).ownRefresh(key, userOf),
      },
    }
  }

  options.navigator?.connect?.({ completeAuthorization, abandonConsent })
  // What another tab or instance saved is read from the store on its word (the adopting code loads with the first).
  const disconnectSync = options.sync?.map((plugin) =>
    plugin.connect({
      sessionChanged: (key) => void import('../sync/adoptStoredTokens.js').then((m) => m.adoptStoredTokens(store, sessions, key)),
    }),
  )

  return {
    apis: callablesIn(),
    withContext,
    navigator: options.navigator,
    call: (pending) => call(pending),
    startWizard,
    resumeWizard,
    completeAuthorization,
    abandonConsent,
    tokenSession: (key) => sessions.byKey(key)?.actor,
    tokenSessionFor: (pending) => sessions.for(deps.target(pending)),
    sessions: sessionsView,
    dispose: () => {
      disconnectSync?.forEach((disconnect) => disconnect?.())
      sessions.stopAll()
    },
  }
}
