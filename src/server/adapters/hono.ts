import type { GrantflowHandlers, RequestHandler } from '../handlers/index.js'

/** What mounting needs of a Hono app (so this file does not import Hono). */
interface HonoLike {
  get(path: string, handler: (c: HonoContextLike) => Promise<Response>): unknown
  post(path: string, handler: (c: HonoContextLike) => Promise<Response>): unknown
}
interface HonoContextLike {
  req: { raw: Request }
}

/**
 * A Hono route handler serving a Web-standard handler: Hono's request is a `Request` already.
 *
 * @example
 * app.get('/callback', honoHandler(handlers.callback))
 */
export function honoHandler(handler: RequestHandler) {
  return (c: HonoContextLike): Promise<Response> => handler(c.req.raw)
}

/**
 * Mounts the handlers on a Hono app at their paths (`basePath`, `callbackPath`).
 *
 * @example
 * mountGrantflow(new Hono(), handlers)
 */
export function mountGrantflow<App extends HonoLike>(app: App, handlers: GrantflowHandlers): App {
  app.get(handlers.paths.callback, honoHandler(handlers.callback))
  app.post(handlers.paths.connect, honoHandler(handlers.connect))
  app.post(handlers.paths.disconnect, honoHandler(handlers.disconnect))
  return app
}
