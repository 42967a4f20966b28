import type { Environment } from '../model/provider.js'

/** Where the fake authorization server answers, derived from one provider environment. */
export interface KitEndpoints {
  /** The issuer as metadata and `iss` state it. */
  issuer: string
  authorizationEndpoint?: string
  tokenEndpoint: string
  revocationEndpoint?: string
  /** Set for discovery-based environments: the metadata document's URL and kind. */
  discovery?: { url: string; kind: 'oidc' | 'oauth2' }
  /** Whether the environment promises `iss` on callbacks (RFC 9207). */
  issPromised: boolean
}

/**
 * Explicit environments keep their endpoints (the issuer falling back to the token endpoint's
 * origin, as grantflow's protocol layer does). Discovery-based ones get `/authorize`, `/token`
 * and `/revoke` under the issuer, and metadata at the well-known URL oauth4webapi asks for.
 */
export function resolveEndpoints(environment: Environment): KitEndpoints {
  const config = environment.authorizationServer
  if (!('discovery' in config)) {
    const endpoints: KitEndpoints = {
      issuer: config.issuer ?? new URL(config.tokenEndpoint).origin,
      tokenEndpoint: config.tokenEndpoint,
      issPromised: config.issParameterSupported === true,
    }
    if (config.authorizationEndpoint) endpoints.authorizationEndpoint = config.authorizationEndpoint
    if (config.revocationEndpoint) endpoints.revocationEndpoint = config.revocationEndpoint
    return endpoints
  }
  const base = config.issuer.replace(/\/+$/, '')
  return {
    issuer: config.issuer,
    authorizationEndpoint: `${base}/authorize`,
    tokenEndpoint: `${base}/token`,
    revocationEndpoint: `${base}/revoke`,
    discovery: { url: wellKnownUrl(config.issuer, config.discovery), kind: config.discovery },
    issPromised: true,
  }
}

/**
 * OpenID Connect Discovery appends `/.well-known/openid-configuration` to the issuer's path;
 * RFC 8414 inserts `/.well-known/oauth-authorization-server` before it.
 */
export function wellKnownUrl(issuer: string, kind: 'oidc' | 'oauth2'): string {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/+$/, '')
  url.pathname = kind === 'oidc' ? `${path}/.well-known/openid-configuration` : `/.well-known/oauth-authorization-server${path}`
  url.search = ''
  return url.href
}

/** An endpoint URL as an MSW path: no query string or fragment. */
export function handlerPath(url: string): string {
  const parsed = new URL(url)
  return `${parsed.origin}${parsed.pathname}`
}
