// grantflow core: declarations, the protocol layer over oauth4webapi, stores and errors.
// Framework-free: nothing here imports React or touches the DOM.
export { defineProvider, environmentOf } from './model/provider.js'
export type { Provider, ProviderGrants, Environment, AuthorizationServerConfig, ApiRequest } from './model/provider.js'
export { defineClient, isConfidential } from './model/client.js'
export type { ClientRegistration, ClientAuthentication, ClientCertificate, ClientMaterial, ClientSource, ClientRequest } from './model/client.js'
export { defineApi, defineEndpoint, shape } from './model/api.js'
export type { Api, Endpoint, EndpointOptions, ApiUserKind, HttpMethod, Parser, PathParamNames, EndpointParams } from './model/api.js'
export { isTokenFresh, hasScopes, unionScopes, EXPIRY_LEEWAY_MS } from './model/tokens.js'
export type { TokenSet } from './model/tokens.js'
export { sessionKey, emptySession, withError, APPLICATION_USER, MAX_CONNECTION_ERRORS } from './model/session.js'
export type { Session, ApiUser, PendingAuthorization, PendingCall, ConnectionError, SessionKeyParts } from './model/session.js'

export * from './errors.js'

export type { SessionStore, SetResult, TakenAuthorization } from './session/store.js'
export type { ClientRegistrationStore } from './session/clientRegistrationStore.js'
export { createMemoryClientRegistrationStore } from './session/clientRegistrationStore.js'
export { createMemoryStore } from './session/memoryStore.js'
export { createBrowserStore } from './session/browserStore.js'
export type { BrowserStoreOptions, KeyValueStorage } from './session/browserStore.js'
export { createIndexedDbStore } from './session/indexedDbStore.js'
export type { IndexedDbStoreOptions, IndexedDbFactory, WebCryptoLike } from './session/indexedDbStore.js'

export { fixes, applyTokenResponseFixes } from './providers/fixes/index.js'
export type { ComplianceFix, TokenResponseDraft, FixContext } from './providers/fixes/index.js'
export { hmrc, createHmrcProvider } from './providers/hmrc.js'
export type { HmrcOptions } from './providers/hmrc.js'
export { piste } from './providers/piste.js'

export { defaultDoors } from './oauth/doors.js'
export type { HttpDoors } from './oauth/doors.js'
export type { RetryOptions } from './oauth/retry.js'
export type { OAuthContext } from './oauth/context.js'
export { callbackParameters } from './oauth/callbackParameters.js'
export { safeReturnTo } from './oauth/returnTo.js'
export type { ResourceChallenge } from './oauth/challenge.js'
export { grantFor } from './grants/grantFor.js'
export type { GrantDescriptor, GrantType, GrantInteraction, TokenRenewal, PersonGrantType, ApplicationGrantType } from './grants/types.js'
export { buildApiRequest } from './call/buildRequest.js'
export { sendApiRequest } from './call/sendRequest.js'
export type { CallOutcome } from './call/sendRequest.js'
export type { RequestAuthorizer } from './call/authorizer.js'
export { bearer } from './call/bearer.js'
export { createOAuth1Signer } from './call/oauth1.js'
export type { OAuth1SignerOptions, OAuth1TokenSet } from './call/oauth1.js'

export { createGrantflow } from './runtime/createGrantflow.js'
export type {
  GrantflowOptions,
  Grantflow,
  ScopedGrantflow,
  GrantflowSessions,
  ScopedSessions,
  PersonKind,
  TokenSessionActors,
  CallableApi,
  EndpointFunction,
  WizardActor,
  CompletedAuthorization,
} from './runtime/createGrantflow.js'
export type { RefreshMode } from './runtime/attempt.js'
export { createInProcessLock, createWebLock } from './runtime/lock.js'
export type { HeldLock, LockOptions, SessionLock, WebLocks } from './runtime/lock.js'
export { createBroadcastSync } from './sync/broadcastSync.js'
export type { BroadcastChannelLike, BroadcastSyncOptions } from './sync/broadcastSync.js'
export type { SyncPlugin, SyncedRuntime } from './sync/plugin.js'
export { createSessionObserver } from './observers/sessionObserver.js'
export type { ObservedSession, SessionObserver, SessionView } from './observers/sessionObserver.js'
export { createRedirectNavigator, createPopupNavigator, deliverCallbackToOpener, SAVED_WIZARD_KEY } from './runtime/navigation.js'
export type { ConsentNavigator, NavigatorRuntime, PopupNavigator, NavigatorWindow, PopupWindow, CallbackMessage } from './runtime/navigation.js'
export type { ResumedConsent, ResumedConsentFeed } from './runtime/resumedConsent.js'
export type { ApiUserResolvers, ClientsConfig } from './runtime/targets.js'
