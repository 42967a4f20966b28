import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendResponse } from '../../node/fetchBridge.js'
import type { GrantflowHandlers } from '../handlers/index.js'
import { toNodeListener } from './node.js'

/** What mounting needs of an Express app (so this file does not import Express). */
interface ExpressLike {
  get(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): unknown
  post(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): unknown
}

/**
 * Mounts the handlers on an Express app (4 or 5) at their full paths (`basePath`, `callbackPath`),
 * as routes, not `app.use` (which would cut the mount path from the URL the handlers read). Mount
 * before any body parser: the handlers read the body themselves. `origin` as for
 * `toNodeListener`, behind a proxy that ends TLS.
 *
 * @example
 * const app = express()
 * mountGrantflowExpress(app, handlers) // before app.use(express.json())
 */
export function mountGrantflowExpress<App extends ExpressLike>(app: App, handlers: GrantflowHandlers, options: { origin?: string } = {}): App {
  app.get(handlers.paths.callback, toNodeListener(handlers.callback, options))
  app.post(handlers.paths.connect, toNodeListener(handlers.connect, options))
  app.post(handlers.paths.disconnect, toNodeListener(handlers.disconnect, options))
  return app
}

/**
 * Writes a Web `Response` (the consent redirect of an app's own route, say) to a Node or Express
 * response, each `Set-Cookie` header on its own.
 *
 * @example
 * catch (error) {
 *   if (error instanceof ConsentRequiredError) return sendWebResponse(res, handlers.consentRedirect(error))
 * }
 */
export function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  return sendResponse(res, response)
}
