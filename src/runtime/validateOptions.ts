import { ConfigurationError } from '../errors.js'
import { checkClient, type ClientRegistration } from '../model/client.js'
import { checkEnvironment, environmentOf, type Provider } from '../model/provider.js'
import type { SessionStore } from '../session/store.js'
import type { ConsentNavigator } from './navigation.js'
import { clientFor, environmentNameFor, type TargetConfig } from './targets.js'

/**
 * Checks at createGrantflow what no single declaration can: the chosen environments exist,
 * every API has a client and every client an API, a redirect consent can come back, and no two
 * authorization servers share a redirect URI unless both say who answered (`iss`, RFC 9207), or
 * a code from one could be sent to the other (mix-up, RFC 9700 §4.4.2).
 *
 * Returns the issuers whose metadata is discovered and must promise `iss` once it is known.
 */
export function validateOptions(
  config: TargetConfig,
  options: { navigator?: ConsentNavigator | undefined; store?: SessionStore | undefined },
): Set<string> {
  const fail = (what: string): never => {
    throw new ConfigurationError(what)
  }
  if (options.navigator?.mode === 'redirect' && !options.store?.survivesReload) {
    fail('a redirect navigator needs a store that survives the redirect, e.g. createBrowserStore()')
  }
  const providers = new Map<string, Provider>()
  // Redirect URI → the authorization servers using it → whether each sends `iss` (undefined: discovery says).
  const servers = new Map<string, Map<string, boolean | undefined>>()
  for (const api of Object.values(config.apis)) {
    const name = environmentNameFor(config, api.id)
    const env = environmentOf(api.provider, name)
    checkEnvironment(api.provider.id, name, env)
    providers.set(api.provider.id, api.provider)
    const { redirectUri } = clientFor(config.clients, api.provider, name)
    const as = env.authorizationServer
    if (!redirectUri) continue
    const sharing = servers.get(redirectUri) ?? new Map<string, boolean | undefined>()
    sharing.set('discovery' in as ? as.issuer : (as.issuer ?? as.tokenEndpoint), 'discovery' in as ? undefined : !!as.issParameterSupported)
    servers.set(redirectUri, sharing)
  }
  for (const [id, entry] of Object.entries(config.clients)) {
    // Typically a typo of the provider id: its client would never be used.
    const provider = providers.get(id) ?? fail(`clients.${id}: no API uses a provider "${id}"`)
    if ('clientId' in entry) checkClient(entry as ClientRegistration)
    else {
      for (const [env, client] of Object.entries(entry)) {
        environmentOf(provider, env)
        checkClient(client!)
      }
    }
  }
  const mustSendIss = new Set<string>()
  for (const [redirectUri, sharing] of servers) {
    if (sharing.size < 2) continue
    for (const [server, sendsIss] of sharing) {
      if (sendsIss === false) fail(`${server} shares the redirect URI ${redirectUri} without sending iss: give it its own`)
      if (sendsIss === undefined) mustSendIss.add(server)
    }
  }
  return mustSendIss
}
