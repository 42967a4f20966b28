import type * as oauth from 'oauth4webapi'
import { assertSecureUrl } from '../model/secureUrl.js'

/**
 * Discovered metadata, refused when an endpoint grantflow uses is plain http off loopback:
 * a loopback issuer's document may still point elsewhere. Declared endpoints are checked at
 * defineProvider; discovered ones are only known here.
 */
export function assertSecureEndpoints(as: oauth.AuthorizationServer): oauth.AuthorizationServer {
  for (const field of ['authorization_endpoint', 'token_endpoint', 'revocation_endpoint'] as const) {
    const url = as[field]
    if (url !== undefined) assertSecureUrl(url, `${as.issuer} ${field}`)
    // RFC 8705 §5: where mutual TLS clients send the same requests.
    const alias = as.mtls_endpoint_aliases?.[field]
    if (alias !== undefined) assertSecureUrl(alias, `${as.issuer} mtls_endpoint_aliases.${field}`)
  }
  return as
}
