import type * as oauth from 'oauth4webapi'
import { ConfigurationError } from '../errors.js'

/**
 * An authorization server that shares its redirect URI with another must say who answered each
 * callback (RFC 9207 `iss`), or a code it issued could be taken for the other's (mix-up, RFC 9700
 * §4.4.2). For a discovered server that is only known from its metadata, so it is checked here.
 */
export function requireIssWhereShared(as: oauth.AuthorizationServer, mustSendIss: ReadonlySet<string> | undefined): oauth.AuthorizationServer {
  if (mustSendIss?.has(as.issuer) && !as.authorization_response_iss_parameter_supported) {
    throw new ConfigurationError(`${as.issuer} shares a redirect URI without sending iss: give it its own`)
  }
  return as
}
