// The Vite plugin that runs a real authorization server inside the dev server: oidc-provider
// under /oidc with its own sign-in page, the VAT API under /api/local, and the application's
// server route under /api/app. Node only: neither the library nor a page imports this.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { hmrcVatRoutes } from '../testing/hmrcVat.js'
import { RequestBodyTooLargeError, sendBodyTooLarge, sendJson } from './http.js'
import type { DemoAccount } from './accounts.js'
import { createLocalAuthority, type LocalAuthority, type LocalAuthoritySettings, type SharedState } from './localAuthority.js'
import { loadOidcProvider } from './loadOidcProvider.js'
import { decideLocalRequest, parseConfiguredOrigin, parseRedirectUri } from './localRequests.js'
import type { ProviderRequest } from './providerRequest.js'
import type { JWK } from './oidcConfiguration.js'

/** The demo's user, whose login the sign-in page shows. */
export const DEMO_ACCOUNT: DemoAccount = { login: 'demo', password: 'demo', name: 'Demo User' }

export interface EmbeddedProviderOptions {
  /** Where oidc-provider is mounted; the issuer is the dev server's origin and this path. Default `/oidc`. */
  issuerPath?: string
  /** Where the VAT API is mounted; its URL is the resource indicator and its tokens' audience. Default `/api/local`. */
  apiPath?: string
  /** Where the application's server route is mounted, or `false` for none. Default `/api/app`. */
  applicationPath?: string | false
  /**
   * Where the control route is mounted (`GET /records`, `POST /faults`: what the provider
   * recorded, and faults to inject, for the demo's panels and browser tests), or `false` for
   * none. Default `/__embedded`.
   */
  controlPath?: string | false
  /** The name on the sign-in and consent pages. Default `Local VAT Gateway`. */
  providerName?: string
  /**
   * The page's public client: PKCE, no secret. Default `ledgerline-web`, "Ledgerline", `/callback`
   * and `/popup-callback` on the provider's own origin. `redirectUris`: whole redirect URIs it
   * also accepts, for an app served on another origin (your server on `http://127.0.0.1:3000`,
   * `https://app.example`): https, or http on loopback, without a fragment. No proxy is needed:
   * the browser goes to the provider's origin to sign in and is sent back to yours.
   */
  publicClient?: { clientId?: string; clientName?: string; redirectPaths?: string[]; redirectUris?: string[] }
  /** The server route's confidential client (client_secret_basic). Default `ledgerline-server`, a random secret per start. */
  applicationClient?: { clientId?: string; clientSecret?: string }
  /** Who can sign in; the first is shown on the sign-in page. Default {@link DEMO_ACCOUNT}. */
  accounts?: DemoAccount[]
  /** Access token lifetime in seconds. Default four hours, as HMRC's. */
  accessTokenTtl?: number
  /** Refresh token lifetime in seconds. Default one day. */
  refreshTokenTtl?: number
  /** Called after each request the provider answered (never a token): for a traffic log. */
  onProviderRequest?: (request: ProviderRequest) => void
  /**
   * One more origin to answer on besides `127.0.0.1`, `localhost` and `[::1]` at the dev server's
   * port: a tunnel's or a local reverse proxy's (`https://ledgerline.example`), the issuer's origin
   * there. Its requests must still reach the dev server from this machine (the tunnel's agent).
   */
  origin?: string
}

/** What the plugin tells other plugins and tests (Vite's `plugin.api`). */
export interface EmbeddedProviderApi {
  /** The origins a provider was made for so far, at most {@link MAX_ORIGINS}. */
  origins(): string[]
}

/**
 * The most origins (each its own oidc-provider) one plugin makes: three loopback names and the
 * configured origin, on a port or two (a restart may move it). More is refused, never made.
 */
export const MAX_ORIGINS = 8

/**
 * Mounts a real OpenID provider (oidc-provider), a VAT API that accepts only its JWT access
 * tokens, and the application's server route in the Vite dev server (and `vite preview`):
 * - `{origin}/oidc`: the issuer (discovery at `/oidc/.well-known/openid-configuration`), with its
 *   own sign-in and consent pages at `/oidc/interaction/{uid}` showing the demo login;
 * - `{origin}/api/local`: the VAT API (obligations, returns, view a return; the VAT number lookup
 *   for the application's token);
 * - `{origin}/api/app`: the application's route (`GET /vat-check/{vrn}`, `GET /session`), which
 *   calls the lookup with grantflow as the application; the secret stays in this process;
 * - `{origin}/__embedded`: the control route: `GET /records` (counters, the returns received, an
 *   access log without tokens) and `POST /faults` (see controlProtocol.ts).
 * Only this machine is answered: a peer whose socket address is not loopback gets 403, whatever
 * its headers say. The issuer follows the origin the browser used: `127.0.0.1`, `localhost` or
 * `[::1]` at the port it connected to, or the `origin` option; any other Host gets 421. The
 * control and server routes refuse another origin's pages (403, no CORS). Bodies over 64 kB get
 * 413. Keys are made at start, in memory.
 *
 * @example
 * // vite.demo.config.ts
 * import { embeddedProvider } from './src/devServer/embeddedProvider.ts'
 * export default defineConfig({ plugins: [react(), embeddedProvider()] })
 */
export function embeddedProvider(options: EmbeddedProviderOptions = {}): EmbeddedProviderPlugin {
  const { mount, api } = embeddedRoutes(options)
  return {
    name: 'grantflow-embedded-provider',
    api,
    configureServer(server) {
      mount(server.middlewares, Boolean(server.config.server.https))
    },
    configurePreviewServer(server) {
      mount(server.middlewares, Boolean(server.config.preview.https))
    },
  }
}

/**
 * The plugin as Vite takes it (a `Plugin`), typed by shape, not imported from vite: so that
 * grantflow/dev's declarations type-check for a server that only calls `startDevProvider`, with no
 * vite installed. Each hook reads only what it names of Vite's dev or preview server.
 */
export interface EmbeddedProviderPlugin {
  name: string
  api: EmbeddedProviderApi
  configureServer(server: { middlewares: MiddlewareStack; config: { server: { https?: unknown } } }): void
  configurePreviewServer(server: { middlewares: MiddlewareStack; config: { preview: { https?: unknown } } }): void
}

/** A connect middleware, as the provider mounts them. */
export type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void

/**
 * The middlewares a connect-style stack takes: Vite's (connect's), or grantflow/dev's plain
 * node:http one; typed by shape, as much of connect as the provider uses: `stack`, for a guard
 * put before every other middleware, and `use(route, handle)`.
 */
export interface MiddlewareStack {
  stack: { route: string; handle: unknown }[]
  use(route: string, handle: Middleware): unknown
}

/** The provider's routes, mounted on a connect-style stack (see {@link embeddedProvider}). */
export function embeddedRoutes(options: EmbeddedProviderOptions = {}): {
  mount: (middlewares: MiddlewareStack, secure: boolean) => void
  api: EmbeddedProviderApi
} {
  const configuredOrigin = options.origin === undefined ? undefined : parseConfiguredOrigin(options.origin)
  const settings: LocalAuthoritySettings & { applicationPath: string | false; controlPath: string | false } = {
    issuerPath: normalizePath(options.issuerPath ?? '/oidc'),
    apiPath: normalizePath(options.apiPath ?? '/api/local'),
    applicationPath: options.applicationPath === false ? false : normalizePath(options.applicationPath ?? '/api/app'),
    controlPath: options.controlPath === false ? false : normalizePath(options.controlPath ?? '/__embedded'),
    providerName: options.providerName ?? 'Local VAT Gateway',
    publicClient: {
      clientId: options.publicClient?.clientId ?? 'ledgerline-web',
      clientName: options.publicClient?.clientName ?? 'Ledgerline',
      redirectPaths: options.publicClient?.redirectPaths ?? ['/callback', '/popup-callback'],
      redirectUris: (options.publicClient?.redirectUris ?? []).map(parseRedirectUri),
    },
    applicationClient:
      options.applicationPath === false
        ? undefined
        : {
            clientId: options.applicationClient?.clientId ?? 'ledgerline-server',
            clientSecret: options.applicationClient?.clientSecret ?? randomBytes(24).toString('base64url'),
          },
    accounts: options.accounts ?? [DEMO_ACCOUNT],
    accessTokenTtl: options.accessTokenTtl ?? 4 * 3600,
    refreshTokenTtl: options.refreshTokenTtl ?? 86_400,
    ...(options.onProviderRequest && { onProviderRequest: options.onProviderRequest }),
  }
  let shared: Promise<SharedState> | undefined
  const authorities = new Map<string, Promise<LocalAuthority>>()
  /** The origin each request was accepted for, by the guard in front of Vite's own middlewares. */
  const accepted = new WeakMap<IncomingMessage, string>()

  /** The world of an accepted origin, made on its first request; undefined past {@link MAX_ORIGINS}. */
  function authorityFor(origin: string): Promise<LocalAuthority> | undefined {
    let authority = authorities.get(origin)
    if (!authority && authorities.size < MAX_ORIGINS) {
      shared ??= createSharedState()
      authority = shared.then((state) => createLocalAuthority(origin, settings, state))
      authorities.set(origin, authority)
    }
    return authority
  }

  function mount(middlewares: MiddlewareStack, secure: boolean) {
    const routes = [settings.issuerPath, settings.apiPath, settings.applicationPath, settings.controlPath].filter((path) => path !== false)
    // The routes a page of another origin must not read or drive: no CORS answer for them.
    const sameOriginRoutes = [settings.applicationPath, settings.controlPath].filter((path) => path !== false)
    const guard: Middleware = (req, res, next) => {
      const path = pathOf(req.url)
      if (path === undefined || !routes.some((route) => isMountedAt(path, route))) return next()
      const decision = decideLocalRequest(req, {
        secure,
        configuredOrigin,
        sameOriginOnly: sameOriginRoutes.some((route) => isMountedAt(path, route)),
      })
      if (!decision.accepted) return sendJson(res, decision.status, { code: decision.code, message: decision.message })
      accepted.set(req, decision.origin)
      next()
    }
    // First of all middlewares, before Vite's: its CORS answers other local origins (preflights
    // too) and its host check lets any host in with `allowedHosts: true`.
    middlewares.stack.unshift({ route: '', handle: guard })

    const use = (path: string, pick: (authority: LocalAuthority) => Handler | undefined) =>
      middlewares.use(path, (req, res, next) => {
        const origin = accepted.get(req)
        // Not seen by the guard (a path it read otherwise than connect): refused, not guessed.
        if (origin === undefined) return sendJson(res, 403, { code: 'FORBIDDEN', message: 'The embedded provider did not accept this request' })
        const authority = authorityFor(origin)
        if (!authority) return sendJson(res, 503, { code: 'TOO_MANY_ORIGINS', message: `The embedded provider answers ${MAX_ORIGINS} origins at most` })
        authority
          .then(async (found) => {
            const handler = pick(found)
            if (handler) await handler(req, res)
            else next()
          })
          .catch((error: unknown) => {
            if (error instanceof RequestBodyTooLargeError && !res.headersSent) sendBodyTooLarge(res, error)
            else next(error)
          })
      })
    // The pages first: they live under the issuer's path, where oidc-provider would answer 404.
    use(`${settings.issuerPath}/interaction`, (authority) => authority.interactions)
    use(settings.issuerPath, (authority) => authority.provider)
    use(settings.apiPath, (authority) => authority.api.handle)
    if (settings.applicationPath) use(settings.applicationPath, (authority) => authority.application)
    if (settings.controlPath) use(settings.controlPath, (authority) => authority.control)
  }

  return { mount, api: { origins: () => [...authorities.keys()] } }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** Keys made once per start: the provider's RS256 signing key and random cookie keys. */
async function createSharedState(): Promise<SharedState> {
  // node:crypto rather than jose: grantflow/dev needs no dependency of its own beside oidc-provider.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = `embedded-${randomBytes(6).toString('base64url')}`
  return {
    signingKey: { ...(privateKey.export({ format: 'jwk' }) as JWK), alg: 'RS256', use: 'sig', kid },
    publicKey: { ...(publicKey.export({ format: 'jwk' }) as JWK), alg: 'RS256', use: 'sig', kid },
    cookieKeys: [randomBytes(32).toString('base64url')],
    vat: hmrcVatRoutes(),
    Provider: await loadOidcProvider(),
  }
}

/** A request target's path, as connect reads it (an absolute-form target's too). */
function pathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  if (url.startsWith('/')) return url.split(/[?#]/, 1)[0]
  try {
    return new URL(url).pathname
  } catch {
    return undefined
  }
}

/** Whether connect's `use(route)` takes `path`: the route, case-insensitively, then its end, a `/` or a `.`. */
function isMountedAt(path: string, route: string): boolean {
  if (path.slice(0, route.length).toLowerCase() !== route.toLowerCase()) return false
  const next = path[route.length]
  return next === undefined || next === '/' || next === '.'
}

function normalizePath(path: string): string {
  return `/${path.replace(/^\/+|\/+$/g, '')}`
}
