import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RequestHandler } from '../handlers/index.js'

/**
 * A node:http listener serving a Web-standard handler: the request becomes a `Request` (its URL
 * from the Host header, http unless `origin` says otherwise, for a server behind a proxy that
 * ends TLS), the `Response` is written back, Set-Cookie headers one by one.
 *
 * @example
 * createServer(toNodeListener(handlers.handle)).listen(3000, '127.0.0.1')
 */
export function toNodeListener(handler: RequestHandler, options: { origin?: string } = {}) {
  return (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    void (async () => {
      try {
        const response = await handler(await toRequest(incoming, options.origin))
        await writeResponse(response, outgoing)
      } catch {
        // A handler answers its own failures; this is a broken connection or a handler's bug.
        if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'text/plain' })
        outgoing.end()
      }
    })()
  }
}

async function toRequest(incoming: IncomingMessage, origin = `http://${incoming.headers.host ?? 'localhost'}`): Promise<Request> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (Array.isArray(value)) value.forEach((v) => headers.append(name, v))
    else if (value !== undefined) headers.set(name, value)
  }
  const method = incoming.method ?? 'GET'
  // Read whole: the handlers' requests are small forms (and node:stream stays out of the build).
  let body: Uint8Array<ArrayBuffer> | undefined
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Uint8Array[] = []
    for await (const chunk of incoming) chunks.push(chunk as Uint8Array)
    body = new Uint8Array(chunks.reduce((size, chunk) => size + chunk.length, 0))
    chunks.reduce((at, chunk) => (body!.set(chunk, at), at + chunk.length), 0)
  }
  return new Request(new URL(incoming.url ?? '/', origin), { method, headers, ...(body && { body }) })
}

async function writeResponse(response: Response, outgoing: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  outgoing.writeHead(response.status, headers)
  if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) outgoing.write(chunk)
  outgoing.end()
}
