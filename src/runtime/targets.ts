import { ConfigurationError } from '../errors.js'
import type { Api, ApiUserKind, Endpoint } from '../model/api.js'
import type { ClientRegistration } from '../model/client.js'
import { environmentOf, type Environment, type Provider } from '../model/provider.js'
import { APPLICATION_USER, sessionKey, type ApiUser, type PendingCall } from '../model/session.js'

/** A client per provider id: one registration, or one per environment name. */
export type ClientsConfig = Record<string, ClientRegistration | Partial<Record<string, ClientRegistration>>>

/** How the app says who the current user, company or employee is (the seed's session "get"). */
export type ApiUserResolvers = Partial<Record<Exclude<ApiUserKind, 'application'>, () => string | undefined>>

/** Whose session, at which provider environment, as which client. */
export interface SessionTarget {
  key: string
  api: Api
  provider: Provider
  environmentName: string
  environment: Environment
  client: ClientRegistration
  apiUser: ApiUser
  holder: 'person' | 'application'
  /** The scopes the application's token is requested for (client credentials). */
  scopes: readonly string[]
}

/** Everything about where one call goes and whose session it uses. */
export interface CallTarget extends SessionTarget {
  endpoint: Endpoint
  endpointName: string
}

export interface TargetConfig {
  apis: Record<string, Api>
  clients: ClientsConfig
  environment: string | Record<string, string>
  apiUser?: ApiUserResolvers
}

export function clientFor(clients: ClientsConfig, provider: Provider, environment: string): ClientRegistration {
  const entry = clients[provider.id]
  const client = entry && ('clientId' in entry ? (entry as ClientRegistration) : (entry as Record<string, ClientRegistration>)[environment])
  if (!client) throw new ConfigurationError(`no client registered for ${provider.name} (${provider.id}) in environment "${environment}"`)
  return client
}

export function environmentNameFor(config: TargetConfig, apiId: string): string {
  const name = typeof config.environment === 'string' ? config.environment : config.environment[apiId]
  if (!name) throw new ConfigurationError(`no environment chosen for API "${apiId}"`)
  return name
}

/** Resolves a pending call to its API, endpoint, environment, client and session. */
export function resolveTarget(config: TargetConfig, call: PendingCall): CallTarget {
  const api = config.apis[call.api]
  if (!api) throw new ConfigurationError(`unknown API "${call.api}"`)
  const endpoint = api.endpoints[call.endpoint]
  if (!endpoint) throw new ConfigurationError(`API "${call.api}" has no endpoint "${call.endpoint}"`)
  const apiUser = resolveApiUser(config.apiUser, endpoint.apiUser)
  return { ...sessionTarget(config, api, apiUser, endpoint.scopes), endpoint, endpointName: call.endpoint }
}

/** How many call targets a runtime keeps resolved. */
const MAX_CACHED_TARGETS = 1000

/**
 * resolveTarget with its results kept: the happy path resolves the same few targets on every
 * call. The app's resolver still runs each time (the current user may change); what it returns
 * is part of the key.
 */
export function createTargetResolver(config: TargetConfig): (call: PendingCall) => CallTarget {
  const cache = new Map<string, CallTarget>()
  return (call) => {
    const endpoint = config.apis[call.api]?.endpoints[call.endpoint]
    if (!endpoint) return resolveTarget(config, call)
    const apiUser = resolveApiUser(config.apiUser, endpoint.apiUser)
    const key = `${call.api}\u0000${call.endpoint}\u0000${apiUser.kind}\u0000${apiUser.id}`
    let target = cache.get(key)
    if (!target) {
      target = resolveTarget(config, call)
      cache.set(key, target)
      // Bounded: a server calls for many users; the oldest are resolved again when they return.
      if (cache.size > MAX_CACHED_TARGETS) cache.delete(cache.keys().next().value!)
    }
    return target
  }
}

/** The session target of an API user at an API (in the configured environment). */
export function sessionTarget(config: TargetConfig, api: Api, apiUser: ApiUser, scopes: readonly string[] = []): SessionTarget {
  const environmentName = environmentNameFor(config, api.id)
  return {
    key: sessionKey({ api: api.id, environment: environmentName, apiUser, scopes }),
    api,
    provider: api.provider,
    environmentName,
    environment: environmentOf(api.provider, environmentName),
    client: clientFor(config.clients, api.provider, environmentName),
    apiUser,
    holder: apiUser.kind === 'application' ? 'application' : 'person',
    scopes,
  }
}

function resolveApiUser(resolvers: ApiUserResolvers | undefined, kind: ApiUserKind): ApiUser {
  if (kind === 'application') return APPLICATION_USER
  const resolve = resolvers?.[kind]
  // An app with one person per runtime (a single-page app) need not say who: there is only "me".
  const id = resolve ? resolve() : 'me'
  if (!id) throw new ConfigurationError(`no current ${kind}: the apiUser.${kind} resolver returned nothing`)
  return { kind, id }
}
