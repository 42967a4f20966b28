import { ConfigurationError } from '../errors.js'
import type { ApplicationGrantType, PersonGrantType } from '../grants/types.js'
import type { ComplianceFix } from '../providers/fixes/types.js'
import { assertSecureUrl } from './secureUrl.js'

/**
 * Where an environment's authorization server lives: either an issuer whose metadata is
 * discovered (RFC 8414 / OpenID discovery), or explicit endpoints for providers that publish
 * no discovery document (HMRC).
 */
export type AuthorizationServerConfig =
  | { issuer: string; discovery: 'oidc' | 'oauth2' }
  | {
      /** The issuer identifier, when the provider has one; used to check `iss` on callbacks. */
      issuer?: string
      authorizationEndpoint?: string
      tokenEndpoint: string
      revocationEndpoint?: string
      /** Whether the provider sends `iss` on the authorization response (RFC 9207). */
      issParameterSupported?: boolean
      /** Its `token_endpoint_auth_methods_supported`: what a client naming no method chooses from (default client_secret_basic). */
      tokenEndpointAuthMethods?: readonly string[]
      /** Where mutual TLS clients send token and revocation requests, when not to the endpoints above (RFC 8705 §5). */
      mtlsEndpointAliases?: { tokenEndpoint?: string; revocationEndpoint?: string }
    }

export interface Environment {
  authorizationServer: AuthorizationServerConfig
  /** Base URL that endpoint paths are resolved against. */
  apiBaseUrl: string
}

/** A request to a provider's API, as the provider's `prepareApiRequest` hook may reshape it. */
export interface ApiRequest {
  method: string
  url: URL
  headers: Headers
  body?: string | undefined
}

/**
 * Which grant obtains the tokens of a person (user, company, employee) and which the
 * application's own. Left out, a provider serves a person with the authorization code grant and
 * the application with client credentials; declared, it serves only the kinds it names.
 */
export interface ProviderGrants {
  person?: PersonGrantType
  application?: ApplicationGrantType
}

export interface Provider<Env extends string = string> {
  id: string
  /** Who runs the service, as a user would read it: "HM Revenue & Customs". */
  name: string
  environments: Record<Env, Environment>
  /** Fixes applied to token endpoint responses before they are validated. */
  fixes: readonly ComplianceFix[]
  /** Reshapes every API request (media types, fraud-prevention headers...). */
  prepareApiRequest?: (request: ApiRequest) => void
  /** The grants it serves each kind of API user with (see ProviderGrants; default: both). */
  grants?: ProviderGrants
}

/**
 * Declares who provides an API and where each of its environments lives.
 *
 * @example
 * const acme = defineProvider({
 *   id: 'acme',
 *   name: 'Acme Corp',
 *   environments: {
 *     production: {
 *       authorizationServer: { issuer: 'https://login.acme.example', discovery: 'oidc' },
 *       apiBaseUrl: 'https://api.acme.example',
 *     },
 *   },
 * })
 */
export function defineProvider<Env extends string>(provider: Omit<Provider<Env>, 'fixes'> & { fixes?: readonly ComplianceFix[] }): Provider<Env> {
  if (!provider.id) throw new ConfigurationError('defineProvider: id is required')
  const names = Object.keys(provider.environments)
  if (names.length === 0) throw new ConfigurationError(`defineProvider(${provider.id}): at least one environment is required`)
  for (const name of names) checkEnvironment(provider.id, name, provider.environments[name as Env])
  return { ...provider, fixes: provider.fixes ?? [] }
}

/**
 * Checks an environment's URLs at declaration, so that a typo fails there and not at the first
 * call, and no token or secret is ever sent in the clear (see assertSecureUrl).
 */
export function checkEnvironment(providerId: string, name: string, env: Environment): void {
  const { issuer, authorizationEndpoint, tokenEndpoint, revocationEndpoint, mtlsEndpointAliases } = env.authorizationServer as Partial<
    Extract<AuthorizationServerConfig, { tokenEndpoint: string }>
  >
  const urls = {
    apiBaseUrl: env.apiBaseUrl,
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    revocationEndpoint,
    'mtlsEndpointAliases.tokenEndpoint': mtlsEndpointAliases?.tokenEndpoint,
    'mtlsEndpointAliases.revocationEndpoint': mtlsEndpointAliases?.revocationEndpoint,
  }
  for (const [field, url] of Object.entries(urls)) if (url !== undefined) assertSecureUrl(url, `${providerId} ${name} ${field}`)
}

/** The named environment of a provider, or a ConfigurationError naming the ones that exist. */
export function environmentOf(provider: Provider, name: string): Environment {
  const env = provider.environments[name]
  if (!env) {
    throw new ConfigurationError(`provider ${provider.id} has no environment "${name}" (it has: ${Object.keys(provider.environments).join(', ')})`)
  }
  return env
}
