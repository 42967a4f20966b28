import type { ClientRegistrationStore } from '../session/clientRegistrationStore.js'
import type { ActorOptions, ActorRefFrom, AnyActorLogic, PromiseActorLogic, Snapshot } from 'xstate'
import type { ConsentRequest, Revocation } from '../../machines/tokenSession.js'
import type { Interaction } from '../../machines/callWizard.js'
import type { GrantflowError } from '../errors.js'
import type { Api, ApiUserKind, Endpoint } from '../model/api.js'
import type { ApiUser, PendingAuthorization, PendingCall, Session } from '../model/session.js'
import type { TokenSet } from '../model/tokens.js'
import type { RetryOptions } from '../oauth/retry.js'
import type { SessionStore } from '../session/store.js'
import type { SyncPlugin } from '../sync/plugin.js'
import type { RefreshMode } from './attempt.js'
import type { CallbackBinding } from './callbacks.js'
import type { SessionLock } from './lock.js'
import type { ConsentNavigator } from './navigation.js'
import type { ResumedConsentFeed } from './resumedConsent.js'
import type { TokenSessionActor } from './tokenSessions.js'
import type { ApiUserResolvers, ClientsConfig, SessionTarget } from './targets.js'
import type { WizardActors, WizardMachine } from './wizardActors.js'

// The runtime's public shapes, declared apart from the code that builds them (createGrantflow.ts
// composes the parts that implement them).

export type { WizardActors }

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
  /**
   * Where the user returns after a redirect consent; default: nowhere (the callback route decides).
   * Given the call's context (`withContext(request)`: the request, on a server) when the call was
   * made with one, else nothing (a page: read the current location).
   */
  returnTo?: (context: Context | undefined) => string | undefined
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
   * How many token sessions stay live in memory (default 500), and as many stored records whose
   * fresh token calls used without a live session: the least recently used idle sessions and the
   * oldest records are let go, and read from the store again when next called. Bounds a server's
   * memory however many users it ever served.
   */
  maxLiveSessions?: number
  /**
   * How long discovered authorization server metadata and clients obtained at runtime are kept
   * before they are fetched again (default 1 hour). A failure is not kept.
   */
  bindingTtlMs?: number
  /**
   * Where clients obtained at runtime (a `clients` function: RFC 7591 dynamic registration) are
   * kept, per provider environment: one found there is used without calling the function, so a
   * restart or another instance reuses the registration instead of registering a new client.
   */
  clientRegistrations?: ClientRegistrationStore
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
  revokeTokens: PromiseActorLogic<Revocation, { key: string; tokens: TokenSet | undefined }>
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
   * stay valid there until they expire). `revoked: true` with a StorageError: the provider
   * revoked the grant but the store would not remove its copy (dead tokens: a call that finds
   * them is refused and asks for consent).
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
  /**
   * A consent this page completed without having started it: the consent popup's callback, handed
   * to the page loaded since its opener was reloaded. Its kept call is made again by a wizard
   * (React: `useCall` for that endpoint takes it up; `useResumedConsent` follows it).
   */
  resumedConsent: ResumedConsentFeed
  /**
   * The live token session actor of a session key, if one was started. A call whose stored
   * token is fresh starts none: the session starts when it must renew, consent or be followed.
   */
  tokenSession(key: string): TokenSessionActor | undefined
  /** The key of the session a call would use (its API user resolved as the call's would be); throws ConfigurationError for an endpoint not declared. */
  sessionKeyFor(pending: PendingCall): string
  /** The token session a call would use, started (and loaded from the store) if need be; its actors load on first need. */
  tokenSessionFor(pending: PendingCall): Promise<TokenSessionActor>
  sessions: GrantflowSessions
  /** Stops every live actor (tests, hot reload). */
  dispose(): void
}
