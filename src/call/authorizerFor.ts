import { ConfigurationError } from '../errors.js'
import type { TokenSet } from '../model/tokens.js'
import type { RequestAuthorizer } from './authorizer.js'
import { bearer } from './bearer.js'

/**
 * The authorizer a token set's type calls for (`token_type`, compared without case as RFC 6749
 * §5.1 says): bearer for `Bearer`; a DPoP-bound token is refused until DPoP is configured, since
 * sending it as a bearer token would only be rejected (RFC 9449 §7.1); any other type likewise.
 */
export function authorizerFor(tokens: TokenSet): RequestAuthorizer {
  const type = tokens.tokenType
  if (type === 'bearer' || type.toLowerCase() === 'bearer') return bearer
  const dpop = type.toLowerCase() === 'dpop'
  throw new ConfigurationError(
    `the provider issued a "${type.slice(0, 32)}" access token: ${dpop ? 'DPoP is not configured for its API' : 'grantflow cannot send it'}`,
  )
}
