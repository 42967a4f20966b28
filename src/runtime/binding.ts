import type * as oauth from 'oauth4webapi'
import { ConfigurationError, GrantflowError } from '../errors.js'
import { checkClient, type ClientRegistration, type ClientSource } from '../model/client.js'
import type { AuthorizationServerConfig } from '../model/provider.js'
import { DISCOVERY_TTL_MS, resolveAuthorizationServer, type DiscoveryCache } from '../oauth/authorizationServer.js'
import type { OAuthContext } from '../oauth/context.js'
import type { HttpDoors } from '../oauth/doors.js'
import { requireIssWhereShared } from '../oauth/mixUp.js'
import { clientFor, type ClientsConfig, type SessionTarget } from './targets.js'
import type { GrantDescriptor } from '../grants/types.js'
import type { ClientRegistrationStore } from '../session/clientRegistrationStore.js'
import { checkSharedRedirects, redirectUse, type RedirectUses } from './validateOptions.js'

// How a session reaches its provider: the authorization server, the client, the fixes and the
// grant. A session's identity (targets.ts) is static and synchronous; its binding may need the
// network (RFC 8414 discovery today; RFC 9728 resource metadata naming the server and RFC 7591
// registration of the client are the seams below), so it is resolved here, asynchronously, only
// when a token must be obtained, renewed or revoked. Loaded with the protocol steps (steps.ts).

/** Everything a protocol step needs for one session, and which grant obtains its tokens. */
export interface ProviderBinding extends OAuthContext {
  grant: GrantDescriptor
}

export interface BindingDeps {
  clients: ClientsConfig
  doors: HttpDoors
  /** The redirect URIs in use (validateOptions): a client obtained at runtime is checked against them. */
  redirects: RedirectUses
  /** How long discovered metadata and clients obtained at runtime are kept (default {@link DISCOVERY_TTL_MS}). */
  ttlMs?: number | undefined
  /** Where clients obtained at runtime are kept across restarts and instances (see GrantflowOptions.clientRegistrations). */
  registrations?: ClientRegistrationStore | undefined
  /**
   * Where a session's authorization server is described. Default: its environment's declaration.
   * The seam for RFC 9728, where a protected resource's metadata names its authorization server.
   */
  authorizationServerOf?: (target: SessionTarget) => AuthorizationServerConfig | Promise<AuthorizationServerConfig>
}

type ClientFunction = Extract<ClientSource, (...args: never[]) => unknown>

interface Kept<T> {
  value: Promise<T>
  expiresAt: number
}

/**
 * Resolves sessions' provider bindings, keeping what it found for `ttlMs`: concurrent first
 * calls share one discovery and one client resolution, and a failure is not kept (the next
 * call tries again).
 */
export function createBindingResolver(deps: BindingDeps): (target: SessionTarget) => Promise<ProviderBinding> {
  const { doors, redirects } = deps
  const ttlMs = deps.ttlMs ?? DISCOVERY_TTL_MS
  const discovery: DiscoveryCache = new Map()
  const clients = new Map<string, Kept<ClientRegistration>>()

  /** The client a provider environment's function gives, kept for `ttlMs`. */
  const obtainClient = (
    source: ClientFunction,
    target: SessionTarget,
    server: AuthorizationServerConfig,
    as: oauth.AuthorizationServer,
  ): Promise<ClientRegistration> => {
    const key = `${target.provider.id}\u0000${target.environmentName}`
    const now = doors.now()
    const kept = clients.get(key)
    if (kept && now < kept.expiresAt) return kept.value
    const entry: Kept<ClientRegistration> = {
      value: (async () => {
        // Registered before (this instance before a restart, or another one): used as it is.
        const registered = await deps.registrations?.get(target.provider.id, target.environmentName).catch(() => undefined)
        let client: ClientRegistration
        try {
          client = registered ?? (await source({ provider: target.provider, environment: target.environmentName, authorizationServer: as }))
        } catch (error) {
          if (error instanceof GrantflowError) throw error
          // Only the failure's name as cause: a secret manager's message may quote what it held.
          throw new ConfigurationError(`the client for ${target.provider.name} (${target.provider.id}) in "${target.environmentName}" could not be obtained`, {
            cause: { name: (error as { name?: unknown } | null)?.name },
          })
        }
        checkClient(client)
        if (client.redirectUri) addRedirectUse(redirects, client.redirectUri, server)
        // Kept for the next restart; a store that fails to keep it costs a registration then, not this call.
        if (!registered) await deps.registrations?.set(target.provider.id, target.environmentName, client).catch(() => undefined)
        return client
      })(),
      expiresAt: now + ttlMs,
    }
    clients.set(key, entry)
    entry.value.catch(() => clients.get(key) === entry && clients.delete(key))
    return entry.value
  }

  return async (target) => {
    const server = deps.authorizationServerOf ? await deps.authorizationServerOf(target) : target.environment.authorizationServer
    const as = await resolveAuthorizationServer(server, doors, discovery, redirects.mustSendIss, ttlMs)
    const source = clientFor(deps.clients, target.provider, target.environmentName)
    const registration = typeof source === 'function' ? await obtainClient(source, target, server, as) : source
    // The application's own calls authenticate as its own client where the app declares one.
    const client = target.apiUser.kind === 'application' && registration.applicationClient ? registration.applicationClient : registration
    return {
      // Checked again once the client is known: a client obtained at runtime may share a redirect URI.
      as: requireIssWhereShared(as, redirects.mustSendIss),
      client,
      doors,
      fixes: target.provider.fixes,
      grant: target.grant,
    }
  }
}

/** Adds the redirect URI of a client obtained at runtime, checked as a configured one is. */
function addRedirectUse(registry: RedirectUses, redirectUri: string, server: AuthorizationServerConfig): void {
  const use = redirectUse(redirectUri, server)
  if (!registry.uses.some(([uri, other]) => uri === use[0] && other === use[1])) registry.uses.push(use)
  checkSharedRedirects(registry)
}
