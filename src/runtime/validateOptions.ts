import { ConfigurationError } from '../errors.js'
import { grantFor } from '../grants/grantFor.js'
import { personKindsOf, type Api } from '../model/api.js'
import { checkClient, type ClientSource } from '../model/client.js'
import { checkEnvironment, environmentOf, type AuthorizationServerConfig, type Provider } from '../model/provider.js'
import type { SessionStore } from '../session/store.js'
import type { ConsentNavigator } from './navigation.js'
import { clientFor, environmentNameFor, type TargetConfig } from './targets.js'

/** A redirect URI in use, its authorization server, and whether it sends `iss` (undefined: discovery says). */
export type RedirectUse = [redirectUri: string, server: string, sendsIss: boolean | undefined]

/**
 * The redirect URIs in use and the discovered issuers that must promise `iss` once their
 * metadata is known: a client obtained at runtime adds its own when it is resolved.
 */
export interface RedirectUses {
  uses: RedirectUse[]
  mustSendIss: Set<string>
}

/**
 * Checks at createGrantflow what no single declaration can: the chosen environments exist, each
 * endpoint's provider has a grant for its kind of API user, every API has a client and every
 * client an API, a redirect consent can come back, and no two authorization servers share a
 * redirect URI unless both say who answered (`iss`, RFC 9207), or a code from one could be sent to
 * the other (mix-up, RFC 9700 §4.4.2), and a server tells its people apart. A client given as a function is checked the same way when
 * it is obtained (see binding.ts).
 */
export function validateOptions(
  config: TargetConfig,
  options: { navigator?: ConsentNavigator | undefined; store?: SessionStore | undefined; refresh?: string | undefined; onTokensUpdated?: unknown },
): RedirectUses {
  if (options.refresh === 'notify' && !options.onTokensUpdated) {
    throw new ConfigurationError("refresh: 'notify' needs onTokensUpdated: the token saver it awaits before new tokens are used")
  }
  if (options.navigator?.mode === 'redirect' && !options.store?.survivesReload) {
    throw new ConfigurationError('a redirect navigator needs a store that survives the redirect (createBrowserStore)')
  }
  const providers = new Map<string, Provider>()
  const registry: RedirectUses = { uses: [], mustSendIss: new Set() }
  for (const api of Object.values(config.apis)) {
    const name = environmentNameFor(config, api.id)
    const env = environmentOf(api.provider, name)
    checkEnvironment(api.provider.id, name, env)
    providers.set(api.provider.id, api.provider)
    // Every endpoint's kind of API user has a grant at its provider, or no call to it could get a token.
    for (const endpoint of Object.values(api.endpoints)) grantFor(api.provider, endpoint.apiUser)
    if (!options.navigator) requireResolvers(api, config.apiUser)
    const client = clientFor(config.clients, api.provider, name)
    if (typeof client !== 'function' && client.redirectUri) registry.uses.push(redirectUse(client.redirectUri, env.authorizationServer))
  }
  const check = (client: ClientSource | undefined) => typeof client === 'function' || checkClient(client!)
  for (const [id, entry] of Object.entries(config.clients)) {
    const provider = providers.get(id)
    // Typically a typo of the provider id: its client would never be used.
    if (!provider) throw new ConfigurationError(`clients.${id}: no API uses a provider "${id}"`)
    if (typeof entry === 'function' || 'clientId' in entry) check(entry as ClientSource)
    else {
      for (const [env, client] of Object.entries(entry)) {
        environmentOf(provider, env)
        check(client)
      }
    }
  }
  checkSharedRedirects(registry)
  return registry
}

/**
 * A runtime without a navigator is a server's (or a script's): many people reach it, and only a
 * resolver tells them apart. Without one every person would share the grant of one user ('me'),
 * so a kind of person an API is called for needs its resolver, or the runtime does not start.
 */
function requireResolvers(api: Api, resolvers: TargetConfig['apiUser']): void {
  for (const kind of personKindsOf({ [api.id]: api })) {
    if (!resolvers?.[kind])
      throw new ConfigurationError(
        `${api.name} is called for a ${kind}, and this runtime has no navigator (a server) and no apiUser.${kind} resolver: every ${kind} would share one grant. Give apiUser: { ${kind}: (context) => ... }`,
      )
  }
}

export function redirectUse(redirectUri: string, as: AuthorizationServerConfig): RedirectUse {
  return 'discovery' in as ? [redirectUri, as.issuer, undefined] : [redirectUri, as.issuer ?? as.tokenEndpoint, !!as.issParameterSupported]
}

export function checkSharedRedirects({ uses, mustSendIss }: RedirectUses): void {
  for (const [redirectUri, server, sendsIss] of uses) {
    if (!uses.some(([uri, other]) => uri === redirectUri && other !== server)) continue
    if (sendsIss === false) throw new ConfigurationError(`${server} shares the redirect URI ${redirectUri} without sending iss: give it its own`)
    if (sendsIss === undefined) mustSendIss.add(server)
  }
}
