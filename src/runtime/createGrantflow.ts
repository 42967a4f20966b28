import { CancelledError, ConfigurationError, type GrantflowError } from '../errors.js'
import type { Api, ApiUserKind } from '../model/api.js'
import { PENDING_AUTHORIZATION_TTL_MS } from '../model/session.js'
import { defaultDoors, type HttpDoors } from '../oauth/doors.js'
import { loadSteps } from '../oauth/loadSteps.js'
import { guardedStore } from '../session/guardedStore.js'
import type { WizardDeps } from './attempt.js'
import type { ProviderBinding } from './binding.js'
import { createCalls } from './calls.js'
import { defaultStore } from './defaultStore.js'
import { endpointFunctions } from './endpointFunctions.js'
import { redactedInspector } from './inspection.js'
import { lazyMethods } from './lazyMethods.js'
import type { SessionActions } from './sessionActions.js'
import { createTargetResolver, MAX_CACHED_TARGETS, resolveApiUser, type ApiUserResolvers, type SessionTarget } from './targets.js'
import { createTokenSessions } from './tokenSessions.js'
import type { CompletedAuthorization, Grantflow, GrantflowOptions } from './types.js'
import { validateOptions } from './validateOptions.js'
import type { WizardStarter } from './wizardStarter.js'
import type { CallbackBinding } from './callbacks.js'
import { createResumedConsent } from './resumedConsent.js'

export type {
  CallableApi,
  CompletedAuthorization,
  EndpointFunction,
  Grantflow,
  GrantflowOptions,
  GrantflowSessions,
  PersonKind,
  ScopedGrantflow,
  ScopedSessions,
  TokenSessionActors,
  WizardActor,
  WizardActors,
} from './types.js'

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
  const interaction = options.interaction ?? (options.navigator ? 'automatic' : 'none')

  // The provider binding (authorization server, client), loaded with the protocol steps: a call
  // with a valid token needs only the session's identity.
  let binder: Promise<(target: SessionTarget) => Promise<ProviderBinding>> | undefined
  const oauthContext = async (target: SessionTarget): Promise<ProviderBinding> =>
    (
      await (binder ??= loadSteps().then((steps) =>
        steps.createBindingResolver({ clients: options.clients, doors, redirects, ttlMs: options.bindingTtlMs, registrations: options.clientRegistrations }),
      ))
    )(target)

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

  /** Ends a consent (its waiting calls fail with `error`); resolves once the store forgot it too. */
  const abandonConsent = async (sessionKey: string, error: GrantflowError = new CancelledError('the consent window was closed')): Promise<void> => {
    const actor = sessions.byKey(sessionKey)?.actor
    const state = actor?.getSnapshot().context.pending?.state
    actor?.send({ type: 'CONSENT_ABANDONED', error })
    if (state) await sessions.forgetPending(sessionKey, state)
  }

  // Loaded with the first callback: a page that never receives one never loads it.
  let callbacksModule: Promise<ReturnType<typeof import('./callbacks.js').createCallbacks>> | undefined
  const callbacks = () =>
    (callbacksModule ??= import('./callbacks.js').then((m) =>
      m.createCallbacks({
        sessions,
        store,
        config,
        now: doors.now,
        pendingTtlMs,
        requireBinding: interaction === 'none',
        // A browser page completes another page's authorization only for the API user it is signed in
        // as: its resolver of that kind, without context (the page is one user's).
        currentApiUser:
          interaction === 'none'
            ? undefined
            : (kind: ApiUserKind) => {
                const pageResolvers = resolvers as ApiUserResolvers<undefined> | undefined
                return pageResolvers?.[kind as keyof ApiUserResolvers<undefined>] ? resolveApiUser(pageResolvers, kind, undefined) : undefined
              },
        abandon: abandonConsent,
      }),
    ))
  const completeAuthorization = async (callbackUrl: string | URL, expected?: CallbackBinding): Promise<CompletedAuthorization> =>
    (await callbacks()).complete(callbackUrl, expected)

  const deps: WizardDeps = {
    inFlightExpiries: new WeakMap(),
    config,
    // As many targets kept as sessions: a server that keeps every user's session resolves none again.
    target: createTargetResolver(config, Math.max(MAX_CACHED_TARGETS, options.maxLiveSessions ?? 0)),
    sessions,
    doors,
    refresh: options.refresh ?? 'auto',
    // A wizard's callback comes to the page that started the consent: it joins the exchange.
    completeAuthorization: async (callbackUrl) => (await callbacks()).deliver(callbackUrl),
    pendingTtlMs,
    returnTo: options.returnTo,
  }
  // Loaded when a call first needs the wizard: a call with a valid token never does.
  let wizardStarter: Promise<WizardStarter> | undefined
  const wizards = () =>
    // The token sessions' actors load with it: a wizard follows its session synchronously.
    (wizardStarter ??= Promise.all([import('./wizardStarter.js'), sessions.load()]).then(([m]) =>
      m.createWizardStarter({
        deps,
        navigator: options.navigator,
        interaction,
        clock: options.clock,
        inspect,
        decorate: options.actors?.wizard,
        abandonConsent,
      }),
    ))
  const { call, withApiUser } = createCalls<Context | undefined>(deps, resolvers as ApiUserResolvers<Context | undefined> | undefined, wizards)
  // Loaded on first use (see sessionActions.ts).
  let actionsModule: Promise<SessionActions> | undefined
  const actions = () => (actionsModule ??= import('./sessionActions.js').then((m) => m.createSessionActions({ sessions, store, config, doors })))
  const SESSION_METHODS = ['list', 'get', 'disconnect', 'refresh'] as const

  // Recorded as a call's: the wizard consents and replays for the API user it was started for.
  const startWizard: Grantflow<Apis, Context>['startWizard'] = async (pending, wizardOptions) =>
    (await wizards()).start(pending && withApiUser(pending, undefined), wizardOptions)
  // A consent popup's callback handed to this page (its opener was reloaded): its kept call is made again here.
  const resumedConsent = createResumedConsent({ completeAuthorization, startWizard })
  const disconnectNavigator = options.navigator?.connect?.({
    completeAuthorization,
    abandonConsent,
    resumeAuthorization: (url) => void resumedConsent.resume(url),
  })
  // What another tab or instance saved is read from the store on its word (the adopting code loads with the first).
  const disconnectSync = options.sync?.map((plugin) =>
    plugin.connect({
      sessionChanged: (key) => {
        sessions.forgetStored(key)
        void import('../sync/adoptStoredTokens.js').then((m) => m.adoptStoredTokens(store, sessions, key))
      },
    }),
  )

  return {
    apis: endpointFunctions(options.apis, (pending, endpoint) => call(pending, undefined, endpoint)),
    withContext: (context) => ({
      apis: endpointFunctions(options.apis, (pending, endpoint) => call(pending, context, endpoint)),
      call: (pending) => call(pending, context),
      sessions: lazyMethods(async () => (await actions()).scoped((kind) => resolveApiUser(resolvers, kind, context)), SESSION_METHODS),
    }),
    navigator: options.navigator,
    call: (pending) => call(pending, undefined),
    startWizard,
    resumeWizard: async (persisted) => (await wizards()).resume(persisted),
    completeAuthorization,
    resumedConsent: { getSnapshot: resumedConsent.getSnapshot, subscribe: resumedConsent.subscribe },
    abandonConsent,
    tokenSession: (key) => sessions.byKey(key)?.actor,
    sessionKeyFor: (pending) => deps.target(pending).key,
    tokenSessionFor: (pending) => sessions.start(deps.target(pending)),
    sessions: lazyMethods(async () => (await actions()).all, SESSION_METHODS),
    dispose: () => {
      disconnectSync?.forEach((disconnect) => disconnect?.())
      if (typeof disconnectNavigator === 'function') disconnectNavigator()
      sessions.stopAll()
    },
  }
}
