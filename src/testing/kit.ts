import type { RequestHandler } from 'msw'
import { environmentOf, type Environment } from '../model/provider.js'
import { authorizationEndpointHandler } from './authorizationEndpoint.js'
import { DEFAULT_CLIENT } from './clients.js'
import type { KitContext } from './context.js'
import { discoveryHandler } from './discovery.js'
import { resolveEndpoints } from './endpoints.js'
import { addFault } from './faults.js'
import { clearJournal, createJournal } from './journal.js'
import { protectedApiHandler } from './protectedApi.js'
import { parseOrigin, rebaseEnvironment, rebaseProvider } from './origin.js'
import { revocationEndpointHandler } from './revocationEndpoint.js'
import { clearServerState, createServerState, expireAccessTokens, revokeEverything } from './state.js'
import { tokenEndpointHandler } from './tokenEndpoint.js'
import type { ConsentAnswer, ConsentOptions, KitClient, ProviderKit, ProviderKitListenOptions, ProviderKitOptions, ProviderKitServer } from './types.js'

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
  const origin = options.origin === undefined ? undefined : parseOrigin(options.origin)
  const declared = environmentOf(options.provider, options.environment)
  const environment = origin ? rebaseEnvironment(declared, origin) : declared
  const provider = origin ? rebaseProvider(options.provider, options.environment, origin) : options.provider
  const endpoints = resolveEndpoints(environment)
  const clients = options.clients ?? [DEFAULT_CLIENT]
  clients.forEach(checkClient)
  const ttl = options.accessTokenTtlSeconds ?? 3600
  if (!(ttl > 0)) throw new RangeError('provider kit: accessTokenTtlSeconds must be positive')

  const ctx: KitContext = {
    provider,
    environmentName: options.environment,
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

  return {
    handlers: handlersFor(ctx),
    provider,
    consent: (answer, consentOptions) => setConsent(ctx, answer, consentOptions),
    listen: (listenOptions) => listen(ctx, environment, listenOptions, origin),
    authorize: (authorizationUrl) => actAsUser(ctx, authorizationUrl),
    expireAccessTokens: (expireOptions) => expireAccessTokens(ctx.state, expireOptions?.alsoNext),
    revokeAll: () => revokeEverything(ctx.state),
    fail: (fault) => addFault(ctx.faults, fault),
    counters: ctx.journal.counters,
    requests: ctx.journal.requests,
    reset() {
      clearServerState(ctx.state)
      clearJournal(ctx.journal)
      ctx.faults.length = 0
      ctx.callbacks.clear()
      setConsent(ctx, 'approve')
    },
  }
}

/** The kit's handlers for one context. The API handler comes last: it answers only its routes and lets everything else fall through. */
function handlersFor(ctx: KitContext): RequestHandler[] {
  return [discoveryHandler(ctx), authorizationEndpointHandler(ctx), tokenEndpointHandler(ctx), revocationEndpointHandler(ctx), protectedApiHandler(ctx)].filter(
    (handler) => handler !== undefined,
  )
}

// Changed in place, never replaced: a context served at another origin (listen) shares it.
function setConsent(ctx: KitContext, answer: ConsentAnswer, options: ConsentOptions = {}): void {
  ctx.consent.answer = answer
  if (options.grantScopes) ctx.consent.grantScopes = [...options.grantScopes]
  else delete ctx.consent.grantScopes
}

/**
 * Serves the kit over HTTP on 127.0.0.1. A kit made with an `origin` listens at its port; any
 * other gets an OS-chosen port (or `port`) and answers there with its environment moved to that
 * origin: same memory, faults and counters, so `kit.authorize`, `kit.fail` and `kit.counters`
 * work on both. node:http is loaded here only, so pages that use the kit through MSW never load it.
 */
async function listen(ctx: KitContext, environment: Environment, options: ProviderKitListenOptions = {}, fixedOrigin?: string): Promise<ProviderKitServer> {
  const { listenOnLoopback } = await import('./server/listen.js')
  if (fixedOrigin && new URL(fixedOrigin).hostname !== '127.0.0.1') {
    throw new TypeError(`provider kit: listen() serves 127.0.0.1 only; this kit's origin is ${fixedOrigin}`)
  }
  const fixedPort = fixedOrigin ? Number(new URL(fixedOrigin).port) : undefined
  if (fixedPort !== undefined && options.port !== undefined && options.port !== fixedPort) {
    throw new TypeError(`provider kit: this kit's origin is ${fixedOrigin}, not port ${options.port}`)
  }
  const servedAt = (origin: string): KitContext => {
    if (origin === fixedOrigin) return ctx
    const rebased = rebaseEnvironment(environment, origin)
    return { ...ctx, provider: rebaseProvider(ctx.provider, ctx.environmentName, origin), endpoints: resolveEndpoints(rebased), apiBaseUrl: rebased.apiBaseUrl }
  }
  let served: KitContext | undefined
  const server = await listenOnLoopback(
    (origin) => {
      served = servedAt(origin)
      return handlersFor(served)
    },
    { ...options, ...(fixedPort !== undefined && { port: fixedPort }) },
  )
  const { endpoints, apiBaseUrl, provider } = served!
  return {
    origin: server.origin,
    provider,
    endpoints: {
      issuer: endpoints.issuer,
      tokenEndpoint: endpoints.tokenEndpoint,
      apiBaseUrl,
      ...(endpoints.authorizationEndpoint && { authorizationEndpoint: endpoints.authorizationEndpoint }),
      ...(endpoints.revocationEndpoint && { revocationEndpoint: endpoints.revocationEndpoint }),
      ...(endpoints.discovery && { discoveryUrl: endpoints.discovery.url }),
    },
    close: server.close,
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
