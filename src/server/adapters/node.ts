import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendJson, sendResponse, toRequest } from '../../node/fetchBridge.js'
import type { RequestHandler } from '../handlers/index.js'

/**
 * A node:http listener serving a Web-standard handler: the request becomes a `Request` (its URL
 * from the Host header, http unless `origin` says otherwise, for a server behind a proxy that
 * ends TLS), the `Response` is written back, Set-Cookie headers one by one. A body over 256 kB
 * is refused with 413 before the handler sees it.
 *
 * @example
 * createServer(toNodeListener(handlers.handle)).listen(3000, '127.0.0.1')
 */
export function toNodeListener(handler: RequestHandler, options: { origin?: string } = {}) {
  return (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    void (async () => {
      try {
        const request = await toRequest(incoming, options.origin ?? `http://${incoming.headers.host ?? 'localhost'}`)
        if (!request) return sendJson(outgoing, 413, { error: 'invalid_request', error_description: 'The request body is too large' })
        await sendResponse(outgoing, await handler(request))
      } catch {
        // A handler answers its own failures; this is a broken connection or a handler's bug.
        if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'text/plain' })
        outgoing.end()
      }
    })()
  }
}
