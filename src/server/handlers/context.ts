import type { Api } from '../../model/api.js'
import type { Grantflow, ScopedGrantflow } from '../../runtime/createGrantflow.js'
import type { ApiUserResolvers } from '../../runtime/targets.js'
import type { ConsentCookieOptions } from './consentCookie.js'

export interface GrantflowHandlerOptions<Context> {
  /**
   * The context a request's calls are made in, which the runtime's `apiUser` resolvers receive
   * (default: the Request itself). The replayed call after a consent is made in it too.
   */
  context?: (request: Request) => Context | Promise<Context>
  /** The APIs as given to createGrantflow: `connect` finds an endpoint's scopes and API user kind in them. */
  apis?: Record<string, Api>
  /** The `apiUser` resolvers given to createGrantflow: who a `connect` is for. */
  apiUser?: ApiUserResolvers<Context>
  /** The consent cookie's name and lifetime (it is always HttpOnly, SameSite=Lax, and Secure but on http loopback). */
  cookie?: ConsentCookieOptions
  /** Where `handle` serves `connect` and `disconnect`: `${basePath}/connect` (default `/grantflow`). */
  basePath?: string
  /** The path of the redirect URI, which `handle` serves with `callback` (default `${basePath}/callback`). */
  callbackPath?: string
  /**
   * What the callback answers once the call is replayed: `redirect` (303 to the saved `returnTo`
   * if it is a same-origin path, else `/`) or `json` (the replayed call's result). Default:
   * `redirect` when a `returnTo` was saved, else `json`.
   */
  afterCallback?: 'redirect' | 'json'
  /**
   * The app's origin as its users' browsers see it (`https://app.example`), or several: a POST to
   * `connect` or `disconnect` is served only from a page of one of them. Default: the origin of the
   * request's own URL, which behind a proxy that rewrites Host or ends TLS is not the browser's:
   * set it there. The callback's cookie is read by it too (`__Secure-` on https).
   */
  origin?: string | readonly string[]
}

/** What the handlers use of a runtime (any `createGrantflow(...)`, whatever its APIs). */
export interface HandledRuntime<Context> {
  completeAuthorization: Grantflow['completeAuthorization']
  tokenSessionFor: Grantflow['tokenSessionFor']
  withContext(context: Context): Pick<ScopedGrantflow, 'call' | 'sessions'>
}

/** What every handler is made with. */
export interface HandlerContext<Context> {
  grantflow: HandledRuntime<Context>
  contextOf: (request: Request) => Context | Promise<Context>
  options: GrantflowHandlerOptions<Context>
  /** The origins whose pages may POST to the handlers: the configured ones, else the request's own. */
  appOrigins(request: Request): readonly string[]
  /** The origin the browser reached the app at: the first configured one, else the request's own. */
  publicOrigin(request: Request): string
}
