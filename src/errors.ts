/**
 * grantflow's errors: one class per cause the caller acts on differently. Each has a stable
 * `code`, the provider's `error` and `error_description` where it sent them, and a `cause`.
 * Messages never contain a token: they are built only from codes, statuses and provider text.
 */

export type GrantflowErrorCode =
  | 'consent_required'
  | 'consent_denied'
  | 'authorization_failed'
  | 'invalid_callback'
  | 'token_endpoint_error'
  | 'insufficient_scope'
  | 'undeclared_scope'
  | 'provider_unreachable'
  | 'outcome_unknown'
  | 'api_error'
  | 'token_expired'
  | 'configuration_error'
  | 'storage_unavailable'
  | 'cancelled'
  | 'unexpected'

interface ErrorDetails {
  cause?: unknown
  /** The provider's `error` code, e.g. `invalid_grant`. */
  error?: string
  /** The provider's `error_description`. */
  description?: string
}

export abstract class GrantflowError extends Error {
  abstract readonly code: GrantflowErrorCode
  readonly error?: string
  readonly description?: string

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    // Each class below spells its own name; an app's own subclass gets its class name.
    this.name = new.target.name
    if (details.error !== undefined) this.error = details.error
    if (details.description !== undefined) this.description = details.description
  }

  /** Plain data for logs, the session's error list and postMessage: no stack, no cause, no token. */
  toJSON(): { name: string; code: GrantflowErrorCode; message: string; error?: string; description?: string } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.error !== undefined && { error: this.error }),
      ...(this.description !== undefined && { description: this.description }),
    }
  }
}

/** Why a call needs the user's consent before it can go on. */
export type ConsentReason = 'no_session' | 'refresh_failed' | 'token_rejected' | 'insufficient_scope' | 'revoked'

/**
 * The call needs the user to grant access at the provider before it can be made.
 * Carries what is needed to ask: the provider, the scopes and why; in non-interactive use, the
 * authorization URL to send the user to.
 */
export class ConsentRequiredError extends GrantflowError {
  // Spelt out: a bundler that minifies class names (the app's too) would otherwise rename it.
  override readonly name = 'ConsentRequiredError'
  readonly code = 'consent_required' as const
  readonly provider: { id: string; name: string }
  readonly api: { id: string; name: string }
  readonly scopes: string[]
  readonly reason: ConsentReason
  readonly sessionKey: string
  /** Set when grantflow prepared the authorization (non-interactive mode). */
  authorizationUrl?: string
  /**
   * With `authorizationUrl`: the value that binds the callback to whoever is sent to the provider.
   * Keep it where only that browser has it (an HttpOnly cookie) and pass it to
   * `completeAuthorization(url, { binding })`. Not part of `toJSON()` or the message.
   */
  binding?: string

  constructor(init: {
    provider: { id: string; name: string }
    api: { id: string; name: string }
    scopes: string[]
    reason: ConsentReason
    sessionKey: string
    authorizationUrl?: string
    binding?: string
    cause?: unknown
    error?: string
    description?: string
  }) {
    super(`${init.api.name} needs consent at ${init.provider.name} (${init.reason}) for: ${init.scopes.join(' ') || '(no scope)'}`, init)
    this.provider = init.provider
    this.api = init.api
    this.scopes = init.scopes
    this.reason = init.reason
    this.sessionKey = init.sessionKey
    if (init.authorizationUrl) this.authorizationUrl = init.authorizationUrl
    if (init.binding) this.binding = init.binding
  }
}

/**
 * Whose authorization a callback's refusal ends, and where its user was going: set by the runtime
 * once the callback is matched to a pending authorization (`declare`d: nothing is emitted for them).
 */
interface OfAuthorization {
  /** The session whose pending authorization the callback answered. */
  sessionKey?: string
  /** Where the app asked to return the user after the consent (a same-origin path). */
  returnTo?: string
}

/** The user (or the provider on their behalf) refused consent: `access_denied`. */
export class ConsentDeniedError extends GrantflowError implements OfAuthorization {
  override readonly name = 'ConsentDeniedError'
  readonly code = 'consent_denied' as const
  declare sessionKey?: string
  declare returnTo?: string
  constructor(details: ErrorDetails = {}) {
    super(`consent was denied${details.description ? `: ${details.description}` : ''}`, { error: 'access_denied', ...details })
  }
}

/** The provider answered the authorization request with an error other than access_denied. */
export class AuthorizationError extends GrantflowError implements OfAuthorization {
  override readonly name = 'AuthorizationError'
  readonly code = 'authorization_failed' as const
  declare sessionKey?: string
  declare returnTo?: string
  constructor(details: ErrorDetails & { error: string }) {
    super(`the provider refused the authorization request: ${details.error}${details.description ? ` (${details.description})` : ''}`, details)
  }
}

export type InvalidCallbackReason =
  | 'state_mismatch'
  | 'iss_mismatch'
  | 'missing_code'
  | 'no_pending_authorization'
  | 'code_already_used'
  /** Not brought by the browser or API user that started the authorization. */
  | 'binding_mismatch'
  /** The pending authorization waited longer than its lifetime (10 minutes by default). */
  | 'expired'
  | 'malformed'

/** A callback that cannot be trusted or used: wrong state or issuer, no code, nothing pending. */
export class InvalidCallbackError extends GrantflowError implements OfAuthorization {
  override readonly name = 'InvalidCallbackError'
  readonly code = 'invalid_callback' as const
  readonly reason: InvalidCallbackReason
  /** Set where the callback was matched to a pending authorization (not for `binding_mismatch`: not the bringer's). */
  declare sessionKey?: string
  declare returnTo?: string
  constructor(reason: InvalidCallbackReason, details: ErrorDetails = {}) {
    super(`invalid authorization callback: ${reason.replaceAll('_', ' ')}`, details)
    this.reason = reason
  }
}

/** The token endpoint refused a grant (invalid_grant, invalid_client...) or answered something unusable. */
export class TokenEndpointError extends GrantflowError {
  override readonly name = 'TokenEndpointError'
  readonly code = 'token_endpoint_error' as const
  readonly status?: number
  readonly grant: 'authorization_code' | 'refresh_token' | 'client_credentials' | 'revocation' | 'discovery'
  constructor(init: ErrorDetails & { grant: TokenEndpointError['grant']; status?: number; error: string }) {
    super(`${init.grant} request failed: ${init.error}${init.status ? ` (HTTP ${init.status})` : ''}${init.description ? `: ${init.description}` : ''}`, init)
    this.grant = init.grant
    if (init.status !== undefined) this.status = init.status
  }
}

/** The API needs scopes the token was not granted (403 insufficient_scope). */
export class InsufficientScopeError extends GrantflowError {
  override readonly name = 'InsufficientScopeError'
  readonly code = 'insufficient_scope' as const
  readonly scopesNeeded: string[]
  constructor(scopesNeeded: string[], details: ErrorDetails = {}) {
    super(`the API needs more scope: ${scopesNeeded.join(' ') || '(not stated)'}`, { error: 'insufficient_scope', ...details })
    this.scopesNeeded = scopesNeeded
  }
}

/**
 * The API's 403 challenge asked for scopes that no endpoint of the API declares (nor the refused
 * token held), so they were not requested: an API may narrow the next consent, never widen it
 * (another resource's scopes, `offline_access`). Declare the scope on the endpoint that needs it.
 */
export class UndeclaredScopeError extends GrantflowError {
  override readonly name = 'UndeclaredScopeError'
  readonly code = 'undeclared_scope' as const
  /** The API whose answer asked for them. */
  readonly api: string
  /** Every scope the challenge asked for. */
  readonly requestedScopes: string[]
  /** Those of them that were refused. */
  readonly undeclaredScopes: string[]
  constructor(init: { api: string; requestedScopes: string[]; undeclaredScopes: string[]; description?: string }) {
    super(`the ${init.api} API asked for scopes it does not declare, so they were not requested: ${init.undeclaredScopes.join(' ')}`, {
      error: 'insufficient_scope',
      ...(init.description !== undefined && { description: init.description }),
    })
    this.api = init.api
    this.requestedScopes = init.requestedScopes
    this.undeclaredScopes = init.undeclaredScopes
  }

  override toJSON() {
    return { ...super.toJSON(), api: this.api, requestedScopes: this.requestedScopes, undeclaredScopes: this.undeclaredScopes }
  }
}

/** The provider could not be reached: network failure or timeout. Safe to retry. */
export class ProviderUnreachableError extends GrantflowError {
  override readonly name = 'ProviderUnreachableError'
  readonly code = 'provider_unreachable' as const
  readonly reason: 'network' | 'timeout'
  readonly url: string
  constructor(reason: 'network' | 'timeout', url: string, cause?: unknown) {
    super(`${new URL(url).host} is unreachable (${reason})`, { cause })
    this.reason = reason
    // Only origin and path: a query string could carry a code or state.
    const parsed = new URL(url)
    this.url = parsed.origin + parsed.pathname
  }
}

/**
 * A call that changes something (POST, PATCH) went out and no answer came back: it timed out, or
 * the connection broke once the request could have been sent. The API may have done it, so
 * grantflow never sends it again by itself (a GET would be retried); whoever made it should check
 * before sending it again. The pending call is kept, as after any failure.
 */
export class CallOutcomeUnknownError extends GrantflowError {
  override readonly name = 'CallOutcomeUnknownError'
  readonly code = 'outcome_unknown' as const
  readonly reason: 'network' | 'timeout'
  readonly method: string
  /** Only origin and path, as for ProviderUnreachableError. */
  readonly url: string
  constructor(method: string, unreachable: ProviderUnreachableError) {
    super(`${method} ${unreachable.url}: no answer came (${unreachable.reason}), so it may have been done`, { cause: unreachable })
    this.reason = unreachable.reason
    this.method = method
    this.url = unreachable.url
  }

  override toJSON() {
    return { ...super.toJSON(), reason: this.reason, method: this.method, url: this.url }
  }
}

/** Any other HTTP failure of an API call, with its status and body. */
export class ApiError extends GrantflowError {
  override readonly name = 'ApiError'
  readonly code = 'api_error' as const
  readonly status: number
  readonly body: unknown
  /** Seconds to wait before retrying, from `Retry-After`, when the API sent one. */
  readonly retryAfter?: number
  constructor(init: { status: number; body: unknown; retryAfter?: number; error?: string; description?: string }) {
    super(`API call failed with HTTP ${init.status}${init.error ? ` (${init.error})` : ''}`, init)
    this.status = init.status
    this.body = init.body
    if (init.retryAfter !== undefined) this.retryAfter = init.retryAfter
  }
}

/**
 * The access token expired and the app chose to refresh by itself (`refresh: 'raise'`, as
 * requests-oauthlib's TokenExpiredError): call `grantflow.refresh(sessionKey)`, then the call again.
 */
export class TokenExpiredError extends GrantflowError {
  override readonly name = 'TokenExpiredError'
  readonly code = 'token_expired' as const
  readonly sessionKey: string
  constructor(sessionKey: string) {
    super('the access token expired')
    this.sessionKey = sessionKey
  }
}

/** The app's declarations or setup cannot work (no client for a provider, a secret in a browser...). */
export class ConfigurationError extends GrantflowError {
  override readonly name = 'ConfigurationError'
  readonly code = 'configuration_error' as const
}

/**
 * The session store failed: full (`QuotaExceededError`), refused by the browser, or down. Nothing
 * was lost that the store held; the call can be made again once the store answers.
 */
export class StorageError extends GrantflowError {
  override readonly name = 'StorageError'
  readonly code = 'storage_unavailable' as const
  /** `full` when the storage is out of space, `unavailable` otherwise. */
  readonly reason: 'full' | 'unavailable'
  constructor(cause: unknown) {
    const name = (cause as { name?: unknown } | null)?.name
    const full = name === 'QuotaExceededError'
    // Only the failure's name as cause: a database's message can quote the row it was given, tokens and all.
    const summary = new Error('the session store failed')
    summary.name = typeof name === 'string' ? name : 'Error'
    super(full ? 'the session store is full' : 'the session store is unavailable', { cause: summary })
    this.reason = full ? 'full' : 'unavailable'
  }
}

/** The user or the app cancelled the flow. */
export class CancelledError extends GrantflowError {
  override readonly name = 'CancelledError'
  readonly code = 'cancelled' as const
  constructor(message = 'the authorization was cancelled') {
    super(message)
  }
}

/**
 * Anything else that went wrong (a session store that failed, a bug): wrapped so the wizard's
 * failed state always holds a GrantflowError, with the original as `cause`.
 */
export class UnexpectedError extends GrantflowError {
  override readonly name = 'UnexpectedError'
  readonly code = 'unexpected' as const
  constructor(cause: unknown) {
    super(`unexpected failure: ${cause instanceof Error ? cause.name : typeof cause}`, { cause })
  }
}

/** The error as a GrantflowError, wrapping anything else in UnexpectedError. */
export function asGrantflowError(error: unknown): GrantflowError {
  return error instanceof GrantflowError ? error : new UnexpectedError(error)
}

export function isGrantflowError(value: unknown): value is GrantflowError {
  return value instanceof GrantflowError
}
