import { consentRedirect } from './consentRedirect.js'
import { createCallbackHandler } from './callback.js'
import { createConnectHandler } from './connect.js'
import type { GrantflowHandlerOptions, HandledRuntime, HandlerContext } from './context.js'
import { createDisconnectHandler } from './disconnect.js'
import { BadRequestError, problemResponse } from './problem.js'
import { ConfigurationError, type ConsentRequiredError } from '../../errors.js'
import { personKindsOf } from '../../model/api.js'
import { appOriginsOf } from './requests.js'

/** A Web-standard request handler, as `fetch` servers (Hono, Bun, Deno, workers) and the adapters here take. */
export type RequestHandler = (request: Request) => Promise<Response>

export interface GrantflowHandlers {
  /** The route at the redirect URI. */
  callback: RequestHandler
  /** `POST { api, endpoint, returnTo? }`: starts a consent. */
  connect: RequestHandler
  /** `POST { sessionKey }`: disconnects one of the request's own sessions. */
  disconnect: RequestHandler
  /** Where `handle` serves each. */
  paths: { callback: string; connect: string; disconnect: string }
  /** All three on their paths (`basePath`, `callbackPath`); 404 elsewhere. */
  handle: RequestHandler
  /** The response for a call that failed with ConsentRequiredError in the app's own handler. */
  consentRedirect(error: ConsentRequiredError): Response
}

/**
 * The request handlers of a server's consent: the redirect URI's route, starting a consent and
 * disconnecting, as `(request: Request) => Promise<Response>` functions over a runtime made
 * without a navigator. Whose calls they are comes from the request (`context`), for the replayed
 * call too; a callback counts only when brought by the browser that was sent to the provider.
 *
 * @example
 * const handlers = createGrantflowHandlers(grantflow, { apis: { vat }, apiUser, callbackPath: '/callback' })
 * createServer(toNodeListener(handlers.handle)).listen(3000)
 */
export function createGrantflowHandlers<Context = Request>(
  grantflow: HandledRuntime<Context>,
  options: GrantflowHandlerOptions<Context> = {},
): GrantflowHandlers {
  requireResolvers(options)
  const configured = appOriginsOf(options.origin)
  const context: HandlerContext<Context> = {
    grantflow,
    contextOf: options.context ?? ((request) => request as unknown as Context),
    options,
    appOrigins: (request) => configured ?? [new URL(request.url).origin],
    publicOrigin: (request) => configured?.[0] ?? new URL(request.url).origin,
  }
  const callback = createCallbackHandler(context)
  const connect = createConnectHandler(context)
  const disconnect = createDisconnectHandler(context)
  const basePath = (options.basePath ?? '/grantflow').replace(/\/$/, '')
  const paths = { callback: options.callbackPath ?? `${basePath}/callback`, connect: `${basePath}/connect`, disconnect: `${basePath}/disconnect` }
  const routes = new Map<string, RequestHandler>([
    [paths.callback, callback],
    [paths.connect, connect],
    [paths.disconnect, disconnect],
  ])
  return {
    paths,
    callback,
    connect,
    disconnect,
    consentRedirect: (error) => consentRedirect(error, options.cookie),
    handle: async (request) => {
      const route = routes.get(new URL(request.url).pathname)
      return route ? route(request) : problemResponse(new BadRequestError(404, 'bad_request', 'no such route'))
    },
  }
}

/**
 * Handlers serve many people: `connect` tells them apart only by the `apiUser` resolvers. Without
 * one for a kind the APIs are called for, every person of that kind would share one grant.
 */
function requireResolvers<Context>(options: GrantflowHandlerOptions<Context>): void {
  if (!options.apis) return
  for (const kind of personKindsOf(options.apis)) {
    if (!options.apiUser?.[kind])
      throw new ConfigurationError(
        `the handlers serve calls for a ${kind} and have no apiUser.${kind} resolver: every ${kind} would share one grant. Give createGrantflowHandlers(grantflow, { apis, apiUser: { ${kind}: (request) => ... } })`,
      )
  }
}

export { consentRedirect } from './consentRedirect.js'
export type { ConsentCookieOptions } from './consentCookie.js'
export type { GrantflowHandlerOptions, HandledRuntime } from './context.js'
