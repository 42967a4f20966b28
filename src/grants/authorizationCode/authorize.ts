import * as oauth from 'oauth4webapi'
import { ConfigurationError } from '../../errors.js'
import type { ClientRegistration } from '../../model/client.js'
import type { PendingAuthorization, PendingCall } from '../../model/session.js'
import { safeReturnTo } from '../../oauth/returnTo.js'

export interface StartAuthorizationInput {
  as: oauth.AuthorizationServer
  client: ClientRegistration
  scopes: readonly string[]
  now: number
  /** Where the app sends the user back after the callback: a same-origin path. */
  returnTo?: string | undefined
  /** The call to replay after consent. */
  call?: PendingCall | undefined
  /** Extra authorization request parameters (prompt, login_hint...). Cannot override the protected ones. */
  extraParameters?: Record<string, string> | undefined
}

const PROTECTED_PARAMETERS = new Set(['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method'])

/**
 * Builds the authorization request (PKCE S256 always, a fresh `state`, and a `nonce` when OpenID
 * scopes are asked for) and the pending authorization to keep until the callback.
 */
export async function startAuthorization(input: StartAuthorizationInput): Promise<{ url: string; pending: PendingAuthorization }> {
  const { as, client } = input
  if (!as.authorization_endpoint) {
    throw new ConfigurationError(`${as.issuer} has no authorization endpoint: its APIs can only be called as the application`)
  }
  if (!client.redirectUri) throw new ConfigurationError(`client ${client.clientId} has no redirect URI`)
  // A provider that lists its PKCE methods without S256 would get plain (the verifier in the
  // clear) or none: refuse rather than downgrade. Silence means support is not published.
  const methods = as.code_challenge_methods_supported
  if (methods && !methods.includes('S256')) {
    throw new ConfigurationError(`${as.issuer} does not support PKCE S256 (it lists: ${methods.join(', ') || 'none'})`)
  }
  const codeVerifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const scopes = [...input.scopes]
  const nonce = scopes.includes('openid') ? oauth.generateRandomNonce() : undefined

  const url = new URL(as.authorization_endpoint)
  for (const [name, value] of Object.entries(input.extraParameters ?? {})) {
    if (!PROTECTED_PARAMETERS.has(name)) url.searchParams.set(name, value)
  }
  url.searchParams.set('response_type', 'code')
  url.searchParams.set('client_id', client.clientId)
  url.searchParams.set('redirect_uri', client.redirectUri)
  if (scopes.length) url.searchParams.set('scope', scopes.join(' '))
  url.searchParams.set('state', state)
  if (nonce) url.searchParams.set('nonce', nonce)
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(codeVerifier))
  url.searchParams.set('code_challenge_method', 'S256')
  // OpenID Connect Core §11: offline access must be asked with prompt=consent, or the provider drops it.
  if (nonce && scopes.includes('offline_access') && !url.searchParams.has('prompt')) url.searchParams.set('prompt', 'consent')
  if (client.resource) url.searchParams.set('resource', client.resource)

  // Binds the callback to whoever is sent to the provider: a server keeps it in their cookie.
  const pending: PendingAuthorization = { state, codeVerifier, scopes, createdAt: input.now, binding: oauth.generateRandomState() }
  if (nonce) pending.nonce = nonce
  const returnTo = safeReturnTo(input.returnTo)
  if (returnTo) pending.returnTo = returnTo
  if (input.call) pending.call = input.call
  return { url: url.href, pending }
}
