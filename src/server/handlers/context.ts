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
}
