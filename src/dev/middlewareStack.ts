// A connect-style middleware stack on node:http, the little of connect the embedded provider's
// routes use: `use(route, handle)` strips the route from `req.url` (keeping `req.originalUrl`,
// which oidc-provider reads its mount path from), `stack` for a guard put first, `next(error)`.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { MiddlewareStack } from '../devServer/embeddedProvider.js'

type Next = (error?: unknown) => void
type Handle = (req: IncomingMessage, res: ServerResponse, next: Next) => void
interface Layer {
  route: string
  handle: Handle
}

export interface NodeMiddlewareStack {
  /** What the embedded provider mounts on. */
  readonly middlewares: MiddlewareStack
  /** The node:http request listener: each request through the stack, then 404. */
  listener(req: IncomingMessage, res: ServerResponse): void
}

export function createMiddlewareStack(): NodeMiddlewareStack {
  const stack: Layer[] = []
  const middlewares = {
    stack,
    use(route: string, handle: Handle) {
      stack.push({ route: route === '/' ? '' : route, handle })
      return middlewares
    },
  } as unknown as MiddlewareStack

  function listener(req: IncomingMessage, res: ServerResponse): void {
    const request = req as IncomingMessage & { originalUrl?: string }
    const url = req.url ?? '/'
    request.originalUrl ??= url
    let index = 0
    const next: Next = (error) => {
      req.url = url
      const layer = stack[index++]
      if (!layer) return finish(res, error)
      const path = url.split(/[?#]/, 1)[0]!
      if (layer.route && !mountedAt(path, layer.route)) return next(error)
      // Connect hands an error only to four-argument handlers; none is mounted here.
      if (error !== undefined) return next(error)
      const rest = url.slice(layer.route.length)
      req.url = rest.startsWith('/') ? rest : `/${rest}`
      try {
        layer.handle(req, res, next)
      } catch (thrown) {
        next(thrown)
      }
    }
    next()
  }
  return { middlewares, listener }
}

/** As connect matches `use(route)`: the route, case-insensitively, then the path's end, a `/` or a `.`. */
function mountedAt(path: string, route: string): boolean {
  if (path.slice(0, route.length).toLowerCase() !== route.toLowerCase()) return false
  const after = path[route.length]
  return after === undefined || after === '/' || after === '.'
}

function finish(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.end()
  res.writeHead(error === undefined ? 404 : 500, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(error === undefined ? 'Not found' : 'Internal error')
}
