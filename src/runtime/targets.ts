import { ConfigurationError } from '../errors.js'
import { grantFor } from '../grants/grantFor.js'
import type { GrantDescriptor } from '../grants/types.js'
import type { Api, ApiUserKind, Endpoint } from '../model/api.js'
import type { ClientSource } from '../model/client.js'
import { environmentOf, type Environment, type Provider } from '../model/provider.js'
import { APPLICATION_USER, sessionKey, type ApiUser, type PendingCall } from '../model/session.js'

/** A client per provider id: one registration (or a function obtaining one), or one per environment name. */
export type ClientsConfig = Record<string, ClientSource | Partial<Record<string, ClientSource>>>

/**
 * How the app says who the current user, company or employee is. Each resolver receives the
 * context the call was made with (`grantflow.withContext(request)`: a server's request), or
 * `undefined` for calls made without one (a single-page app's `grantflow.apis`).
 */
export type ApiUserResolvers<Context = undefined> = Partial<Record<Exclude<ApiUserKind, 'application'>, (context: Context) => string | undefined>>

/**
 * Who and what a session is for, resolved synchronously from static config: the identity. How
 * to reach its provider (authorization server, client, fixes, grant) is its binding, resolved
 * asynchronously (see binding.ts), and not needed while its token is valid.
 */
export interface SessionTarget {
  key: string
  api: Api
  provider: Provider
  environmentName: string
  /** The declared environment: the API's base URL, where its authorization server is found. */
  environment: Environment
  apiUser: ApiUser
  holder: 'person' | 'application'
  /** The grant the provider declares for this kind of API user: how its tokens are obtained and renewed. */
  grant: GrantDescriptor
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
  // Resolvers of any context: the runtime passes each the context its call was made with.
  apiUser?: ApiUserResolvers<never> | undefined
}

/** The client source configured for a provider environment: a registration, or a function obtaining one. */
export function clientFor(clients: ClientsConfig, provider: Provider, environment: string): ClientSource {
  const entry = clients[provider.id]
  const client = entry && (typeof entry === 'function' || 'clientId' in entry ? (entry as ClientSource) : (entry as Record<string, ClientSource>)[environment])
  if (!client) throw new ConfigurationError(`no client registered for ${provider.name} (${provider.id}) in environment "${environment}"`)
  return client
}

export function environmentNameFor(config: TargetConfig, apiId: string): string {
  const name = typeof config.environment === 'string' ? config.environment : config.environment[apiId]
  if (!name) throw new ConfigurationError(`no environment chosen for API "${apiId}"`)
  return name
}

/**
 * Resolves a pending call to its API, endpoint, environment and session: as the API user the
 * call recorded when it was made, else as the app's resolver answers now (without a context).
 */
export function resolveTarget(config: TargetConfig, call: PendingCall): CallTarget {
  const api = config.apis[call.api]
  if (!api) throw new ConfigurationError(`unknown API "${call.api}"`)
  const endpoint = api.endpoints[call.endpoint]
  if (!endpoint) throw new ConfigurationError(`API "${call.api}" has no endpoint "${call.endpoint}"`)
  return callTarget(config, api, call, endpoint, apiUserOfCall(config, call, endpoint))
}

/** The target of a call to an endpoint of `api`, as `apiUser`. */
function callTarget(config: TargetConfig, api: Api, call: PendingCall, endpoint: Endpoint, apiUser: ApiUser): CallTarget {
  return { ...sessionTarget(config, api, apiUser, endpoint.scopes), endpoint, endpointName: call.endpoint }
}

/** How many call targets a runtime keeps resolved, at least (as many as it keeps sessions, if more). */
export const MAX_CACHED_TARGETS = 1000

/**
 * resolveTarget with its results kept: the happy path resolves the same few targets on every
 * call. The API user (recorded on the call, or the app's resolver, which runs each time: the
 * current user may change) is part of the key. A target not kept (a server calling for more
 * users than it keeps) is built from its endpoint's, resolved once: only its key is computed.
 */
export function createTargetResolver(config: TargetConfig, kept = MAX_CACHED_TARGETS): (call: PendingCall, endpoint?: Endpoint) => CallTarget {
  const cache = new Map<string, CallTarget>()
  // One per endpoint and kind of API user: all but the session key and the API user.
  const shapes = new Map<string, CallTarget>()
  return (call, known) => {
    const endpoint = known ?? config.apis[call.api]?.endpoints[call.endpoint]
    if (!endpoint) return resolveTarget(config, call)
    const apiUser = apiUserOfCall(config, call, endpoint)
    const key = `${call.api}\u0000${call.endpoint}\u0000${apiUser.kind}\u0000${apiUser.id}`
    let target = cache.get(key)
    if (!target) {
      const shapeKey = `${call.api}\u0000${call.endpoint}\u0000${apiUser.kind}`
      let shape = shapes.get(shapeKey)
      if (!shape) shapes.set(shapeKey, (shape = callTarget(config, config.apis[call.api]!, call, endpoint, apiUser)))
      target =
        shape.apiUser.id === apiUser.id
          ? shape
          : { ...shape, apiUser, key: sessionKey({ api: shape.api.id, environment: shape.environmentName, apiUser, scopes: shape.scopes }) }
      cache.set(key, target)
      // Bounded: a server calls for many users; the oldest are resolved again when they return.
      if (cache.size > kept) cache.delete(cache.keys().next().value!)
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
    apiUser,
    holder: apiUser.kind === 'application' ? 'application' : 'person',
    grant: grantFor(api.provider, apiUser.kind),
    scopes,
  }
}

/** The call's recorded API user, which must be of the endpoint's kind; else the resolver's answer without a context. */
function apiUserOfCall(config: TargetConfig, call: PendingCall, endpoint: Endpoint): ApiUser {
  if (!call.apiUser) return resolveApiUser(config.apiUser, endpoint.apiUser, undefined as never)
  if (call.apiUser.kind !== endpoint.apiUser) throw new ConfigurationError(`${call.endpoint} is not called as a ${call.apiUser.kind}`)
  return call.apiUser
}

/**
 * Who a call of this kind is for, in this context: the app's resolver answers (a single-page
 * app with none has one person, "me"). Nothing, or a resolver that throws, is a ConfigurationError.
 */
export function resolveApiUser<Context>(resolvers: ApiUserResolvers<Context> | undefined, kind: ApiUserKind, context: Context): ApiUser {
  if (kind === 'application') return APPLICATION_USER
  const resolve = resolvers?.[kind]
  let id: string | undefined
  try {
    id = resolve ? resolve(context) : 'me'
  } catch (error) {
    throw new ConfigurationError(`the apiUser.${kind} resolver failed`, { cause: error })
  }
  if (!id) throw new ConfigurationError(`no current ${kind}: the apiUser.${kind} resolver returned nothing`)
  return { kind, id }
}
