import type { ApiUserKind } from './api.js'
import type { TokenSet } from './tokens.js'

/** Whose session a call uses: a kind and the app's identifier for it. */
export interface ApiUser {
  kind: ApiUserKind
  id: string
}

/** The application itself, the API user of the client credentials grant. */
export const APPLICATION_USER: ApiUser = { kind: 'application', id: 'application' }

/** A call kept while the user is away giving consent, replayed once afterwards. */
export interface PendingCall {
  api: string
  endpoint: string
  params: Record<string, unknown>
  body?: unknown
  /**
   * Whose call it is, resolved when it was made (from its context): the wizard, the refresh, the
   * consent and the replay after the callback use this user, whatever the resolver says later.
   */
  apiUser?: ApiUser
  /** Where the user returns after the consent this call needs, resolved when it was made from its context (see `returnTo`). */
  returnTo?: string
}

/** What must survive the trip to the provider and back. */
export interface PendingAuthorization {
  state: string
  codeVerifier: string
  nonce?: string
  scopes: string[]
  /** Where to send the user back to in the app (a same-origin path). */
  returnTo?: string
  createdAt: number
  call?: PendingCall
  /** A random value the callback must be brought with on a server (see ConsentRequiredError.binding). */
  binding?: string
}

/** How long a pending authorization waits for its callback, by default: 10 minutes. */
export const PENDING_AUTHORIZATION_TTL_MS = 10 * 60_000

/** Whether a pending authorization waited past its lifetime: its callback is refused, and it is forgotten. */
export function isPendingExpired(pending: PendingAuthorization, now: number, ttlMs: number): boolean {
  return now - pending.createdAt > ttlMs
}

/** One failure of a connection, as kept on the session. Never holds a token. */
export interface ConnectionError {
  at: number
  step: 'authorize' | 'callback' | 'exchange' | 'refresh' | 'client_credentials' | 'revoke' | 'call'
  code: string
  /** The provider's `error`, where it sent one. */
  error?: string
  description?: string
}

/** How many connection errors a session keeps; older ones are dropped. */
export const MAX_CONNECTION_ERRORS = 10

export interface Session {
  key: string
  api: string
  environment: string
  apiUser: ApiUser
  tokens?: TokenSet
  pending?: PendingAuthorization
  errors: ConnectionError[]
  updatedAt: number
  /** Increased by every write, so a write prepared from an older record is refused (see SessionStore.set). */
  version?: number
}

export interface SessionKeyParts {
  api: string
  environment: string
  apiUser: ApiUser
  /**
   * Only the application user's tokens are keyed by scope set: a client credentials token is
   * requested per scope set, while a person's session grows by step-up consent.
   */
  scopes?: readonly string[]
}

/** The identity of a session: one per (API, environment, API user[, scope set]). */
export function sessionKey(parts: SessionKeyParts): string {
  const user = `${parts.apiUser.kind}:${parts.apiUser.id}`
  const base = [parts.api, parts.environment, user].map(encodeURIComponent).join('/')
  if (parts.apiUser.kind !== 'application' || !parts.scopes?.length) return base
  return `${base}/${encodeURIComponent([...parts.scopes].sort().join(' '))}`
}

export function emptySession(parts: SessionKeyParts, now: number): Session {
  return {
    key: sessionKey(parts),
    api: parts.api,
    environment: parts.environment,
    apiUser: parts.apiUser,
    errors: [],
    updatedAt: now,
  }
}

/** The session with one more error recorded, keeping the list bounded. */
export function withError(session: Session, error: ConnectionError): Session {
  const errors = [...session.errors, error].slice(-MAX_CONNECTION_ERRORS)
  return { ...session, errors, updatedAt: error.at }
}
