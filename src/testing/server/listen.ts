// The provider kit on a socket: the same handlers (routes, faults, counters) behind node:http on
// 127.0.0.1, for browser and server tests that do not share the kit's process.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getResponse, type RequestHandler } from 'msw'
import { sendJson, sendResponse, toRequest } from '../../node/fetchBridge.js'

export interface LoopbackListenOptions {
  /** Default 0: the OS chooses a free port. */
  port?: number
  /** Pages' origins allowed to call the kit from a browser (CORS), besides loopback ones. */
  corsOrigins?: readonly string[]
}

export interface LoopbackServer {
  origin: string
  close(): Promise<void>
}

/**
 * Listens on 127.0.0.1 and answers every request with the handlers `handlersAt(origin)` returns
 * once the port is known. Only Hosts naming this server are answered (421 otherwise), so a page
 * on another site cannot reach the kit through DNS rebinding.
 */
export async function listenOnLoopback(handlersAt: (origin: string) => RequestHandler[], options: LoopbackListenOptions = {}): Promise<LoopbackServer> {
  let handlers: RequestHandler[] = []
  let origin = ''
  let hosts: string[] = []
  const corsOrigins = new Set(options.corsOrigins ?? [])

  const server = createServer((req, res) => {
    answer(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: 'The provider kit failed to answer' })
      else res.destroy()
    })
  })

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hosts.includes(req.headers.host ?? '')) {
      sendJson(res, 421, { error: 'misdirected_request', error_description: `This server answers only ${hosts.join(' or ')}` })
      return
    }
    const cors = corsHeaders(req.headers.origin, corsOrigins)
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.writeHead(204, {
        ...cors,
        ...(cors['access-control-allow-origin'] && {
          'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
          'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
          'access-control-max-age': '600',
        }),
      })
      res.end()
      return
    }
    const request = await toRequest(req, origin)
    if (!request) {
      sendJson(res, 413, { error: 'invalid_request', error_description: 'The request body is too large' })
      return
    }
    const response = await getResponse(handlers, request, { quiet: true })
    if (!response) {
      sendJson(res, 404, { error: 'not_found', error_description: `The provider kit serves nothing at ${req.method} ${new URL(request.url).pathname}` })
      return
    }
    await sendResponse(res, response, cors)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  origin = `http://127.0.0.1:${port}`
  hosts = [`127.0.0.1:${port}`, `localhost:${port}`]
  handlers = handlersAt(origin)

  return {
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        // Keep-alive connections (fetch's, a browser's) would hold the server open.
        server.closeAllConnections()
      }),
  }
}

/** CORS for a page at a loopback origin or one the test named; none for any other. */
function corsHeaders(pageOrigin: string | undefined, allowed: ReadonlySet<string>): Record<string, string> {
  if (!pageOrigin || !(allowed.has(pageOrigin) || isLoopbackOrigin(pageOrigin))) return {}
  return {
    'access-control-allow-origin': pageOrigin,
    'access-control-expose-headers': 'www-authenticate, retry-after',
    vary: 'origin',
  }
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const { protocol, hostname } = new URL(origin)
    return (protocol === 'http:' || protocol === 'https:') && ['127.0.0.1', 'localhost', '[::1]'].includes(hostname)
  } catch {
    return false
  }
}
