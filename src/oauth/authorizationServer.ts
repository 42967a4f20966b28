import * as oauth from 'oauth4webapi'
import type { AuthorizationServerConfig } from '../model/provider.js'
import type { HttpDoors } from './doors.js'
import { requestOptions } from './requestOptions.js'
import { toGrantflowError } from './mapErrors.js'
import { assertSecureEndpoints } from './secureEndpoints.js'
import { requireIssWhereShared } from './mixUp.js'
import { idempotentFailure, retryStep } from './retry.js'

/** Discovered metadata per issuer, and until when (epoch ms) it is used before it is discovered again. */
export type DiscoveryCache = Map<string, { metadata: Promise<oauth.AuthorizationServer>; expiresAt: number }>

/** How long discovered metadata is used by default before it is discovered again: 1 hour. */
export const DISCOVERY_TTL_MS = 60 * 60_000

/**
 * The authorization server's metadata: discovered from its issuer, or built from explicit
 * endpoints for providers without a discovery document.
 */
export async function resolveAuthorizationServer(
  config: AuthorizationServerConfig,
  doors: HttpDoors,
  cache: DiscoveryCache = new Map(),
  /** Discovered issuers that must promise `iss` (they share a redirect URI: see validateOptions). */
  mustSendIss?: ReadonlySet<string>,
  /** How long discovered metadata is kept: a provider's rotated endpoints are picked up after it. */
  ttlMs: number = DISCOVERY_TTL_MS,
): Promise<oauth.AuthorizationServer> {
  if (!('discovery' in config)) {
    return {
      // oauth4webapi needs an issuer; without one, the token endpoint's origin stands in for it.
      issuer: config.issuer ?? new URL(config.tokenEndpoint).origin,
      token_endpoint: config.tokenEndpoint,
      ...(config.authorizationEndpoint && { authorization_endpoint: config.authorizationEndpoint }),
      ...(config.revocationEndpoint && { revocation_endpoint: config.revocationEndpoint }),
      ...(config.issParameterSupported && { authorization_response_iss_parameter_supported: true }),
      ...(config.tokenEndpointAuthMethods && { token_endpoint_auth_methods_supported: [...config.tokenEndpointAuthMethods] }),
      ...(config.mtlsEndpointAliases && { mtls_endpoint_aliases: mtlsAliases(config.mtlsEndpointAliases) }),
    }
  }
  const now = doors.now()
  const cached = cache.get(config.issuer)
  // Concurrent first calls share one discovery: the promise is kept from the start.
  if (cached && now < cached.expiresAt) return cached.metadata
  // A GET: a failure that may pass (network, timeout, 503...) is tried again.
  const discovered = retryStep(doors, idempotentFailure, () => discover(config.issuer, config.discovery, doors)).then((as) =>
    requireIssWhereShared(as, mustSendIss),
  )
  const entry = { metadata: discovered, expiresAt: now + ttlMs }
  cache.set(config.issuer, entry)
  // A failed discovery is not cached: the next call tries again.
  discovered.catch(() => cache.get(config.issuer) === entry && cache.delete(config.issuer))
  return discovered
}

async function discover(issuer: string, algorithm: 'oidc' | 'oauth2', doors: HttpDoors): Promise<oauth.AuthorizationServer> {
  const issuerUrl = new URL(issuer)
  const options = requestOptions(doors, { issuer })
  try {
    const response = await oauth.discoveryRequest(issuerUrl, { ...options, algorithm })
    return assertSecureEndpoints(await oauth.processDiscoveryResponse(issuerUrl, response))
  } catch (error) {
    throw toGrantflowError(error, 'discovery')
  }
}

/** Declared mutual TLS aliases as RFC 8705 metadata. */
function mtlsAliases(aliases: { tokenEndpoint?: string; revocationEndpoint?: string }): oauth.MTLSEndpointAliases {
  return {
    ...(aliases.tokenEndpoint && { token_endpoint: aliases.tokenEndpoint }),
    ...(aliases.revocationEndpoint && { revocation_endpoint: aliases.revocationEndpoint }),
  }
}
