import { checkEnvironment, type Environment, type Provider } from '../model/provider.js'

/**
 * The same environment served from one origin: every URL (issuer, endpoints, API base) keeps its
 * path and query and moves to `origin`. A kit listening on 127.0.0.1 serves the provider there,
 * and the app under test is given the provider this returns.
 */
export function rebaseEnvironment(environment: Environment, origin: string): Environment {
  const at = (url: string) => moveToOrigin(url, origin)
  const config = environment.authorizationServer
  const authorizationServer: Environment['authorizationServer'] =
    'discovery' in config
      ? { issuer: at(config.issuer), discovery: config.discovery }
      : {
          ...config,
          tokenEndpoint: at(config.tokenEndpoint),
          ...(config.issuer !== undefined && { issuer: at(config.issuer) }),
          ...(config.authorizationEndpoint !== undefined && { authorizationEndpoint: at(config.authorizationEndpoint) }),
          ...(config.revocationEndpoint !== undefined && { revocationEndpoint: at(config.revocationEndpoint) }),
        }
  return { authorizationServer, apiBaseUrl: at(environment.apiBaseUrl) }
}

/** The provider with its named environment served from `origin` (its other environments as they were). */
export function rebaseProvider<P extends Provider>(provider: P, environment: string, origin: string): P {
  const rebased = rebaseEnvironment(provider.environments[environment]!, origin)
  checkEnvironment(provider.id, environment, rebased)
  return { ...provider, environments: { ...provider.environments, [environment]: rebased } }
}

/** An origin as the kit accepts it: scheme, host and port only (`http://127.0.0.1:4010`). */
export function parseOrigin(origin: string): string {
  const url = new URL(origin)
  if (url.origin === 'null' || url.href.replace(/\/$/, '') !== url.origin) {
    throw new TypeError(`provider kit: origin must be scheme, host and port only: ${origin}`)
  }
  return url.origin
}

function moveToOrigin(url: string, origin: string): string {
  const from = new URL(url)
  // An issuer with no path keeps none: `https://login.example` → `http://127.0.0.1:4010`.
  const rest = url.slice(from.origin.length)
  return `${origin}${rest}`
}
