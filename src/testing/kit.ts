import type { RequestHandler } from 'msw'
import { environmentOf } from '../model/provider.js'
import { authorizationEndpointHandler } from './authorizationEndpoint.js'
import { DEFAULT_CLIENT } from './clients.js'
import type { KitContext } from './context.js'
import { discoveryHandler } from './discovery.js'
import { resolveEndpoints } from './endpoints.js'
import { addFault } from './faults.js'
import { clearJournal, createJournal } from './journal.js'
import { protectedApiHandler } from './protectedApi.js'
import { revocationEndpointHandler } from './revocationEndpoint.js'
import { clearServerState, createServerState, expireAllAccessTokens, revokeEverything } from './state.js'
import { tokenEndpointHandler } from './tokenEndpoint.js'
import type { KitClient, ProviderKit, ProviderKitOptions } from './types.js'

/**
 * A strict fake authorization server and protected API for one provider environment, as MSW
 * handlers plus a controller to script the world: the user's consent, expiry, revocation, faults.
 *
 * @example
 * const vat = hmrcVatRoutes()
 * const kit = createProviderKit({ provider: hmrc, environment: 'sandbox', api: vat })
 * const server = setupServer(...kit.handlers)
 * server.listen({ onUnhandledRequest: 'error' })
 *
 * const callback = await kit.authorize(authorizationUrl) // the user approves
 * kit.fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token' })
 * expect(kit.counters.tokenRequestsByGrant.refresh_token).toBe(1)
 */
export function createProviderKit(options: ProviderKitOptions): ProviderKit {
  const environment = environmentOf(options.provider, options.environment)
  const endpoints = resolveEndpoints(environment)
  const clients = options.clients ?? [DEFAULT_CLIENT]
  clients.forEach(checkClient)
  const ttl = options.accessTokenTtlSeconds ?? 3600
  if (!(ttl > 0)) throw new RangeError('provider kit: accessTokenTtlSeconds must be positive')

  const ctx: KitContext = {
    provider: options.provider,
    endpoints,
    clients,
    accessTokenTtlSeconds: ttl,
    issueRefreshTokens: options.issueRefreshTokens ?? true,
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    sendIss: options.sendIss ?? endpoints.issPromised,
    quirks: { ...options.quirks },
    routes: options.api ?? [],
    apiBaseUrl: environment.apiBaseUrl,
    now: options.now ?? Date.now,
    state: createServerState(),
    journal: createJournal(),
    faults: [],
    consent: { answer: 'approve' },
    callbacks: new Map(),
  }

  // The API handler comes last: it answers only its routes and lets everything else fall through.
  const handlers: RequestHandler[] = [
    discoveryHandler(ctx),
    authorizationEndpointHandler(ctx),
    tokenEndpointHandler(ctx),
    revocationEndpointHandler(ctx),
    protectedApiHandler(ctx),
  ].filter((handler) => handler !== undefined)

  return {
    handlers,
    consent(answer, consentOptions = {}) {
      ctx.consent = { answer, ...(consentOptions.grantScopes && { grantScopes: [...consentOptions.grantScopes] }) }
    },
    authorize: (authorizationUrl) => actAsUser(ctx, authorizationUrl),
    expireAccessTokens: () => expireAllAccessTokens(ctx.state),
    revokeAll: () => revokeEverything(ctx.state),
    fail: (fault) => addFault(ctx.faults, fault),
    counters: ctx.journal.counters,
    requests: ctx.journal.requests,
    reset() {
      clearServerState(ctx.state)
      clearJournal(ctx.journal)
      ctx.faults.length = 0
      ctx.callbacks.clear()
      ctx.consent = { answer: 'approve' }
    },
  }
}

/**
 * The user's browser at the authorization endpoint: requests the URL through `fetch` (so MSW
 * answers) without following the redirect, and returns where it points. Where the runtime hides
 * a manual redirect's `Location` (browsers' opaque redirects), the kit's own record of the answer
 * stands in.
 */
async function actAsUser(ctx: KitContext, authorizationUrl: string): Promise<string> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' })
  const location = response.headers.get('location') ?? ctx.callbacks.get(new URL(authorizationUrl).href)
  ctx.callbacks.delete(new URL(authorizationUrl).href)
  if (location && (response.status === 302 || response.type === 'opaqueredirect')) return location
  const page = await response.text()
  const message = /<p>(.*?)<\/p>/s.exec(page)?.[1] ?? page.slice(0, 200)
  throw new Error(`provider kit: the authorization endpoint answered ${response.status} instead of redirecting: ${message}`)
}

function checkClient(client: KitClient): void {
  if (!client.clientId) throw new TypeError('provider kit: a client needs a clientId')
  if (client.authMethod !== 'none' && !client.clientSecret) {
    throw new TypeError(`provider kit: client ${client.clientId} uses ${client.authMethod} and needs a clientSecret`)
  }
}
