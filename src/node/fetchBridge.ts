// node:http ↔ Fetch API, in the few lines grantflow's Node servers need (Auth.js's adapters'
// shape): grantflow/server's handlers and the provider kit's server stay `Request -> Response`
// whatever brings the request.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The largest request body read: token requests, API calls and the handlers' forms are far smaller. */
export const MAX_BODY_BYTES = 256 * 1024

/** The request as a Fetch API `Request` at `origin`, or undefined when its body is too large. */
export async function toRequest(req: IncomingMessage, origin: string): Promise<Request | undefined> {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one)
  }
  const method = req.method ?? 'GET'
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_BODY_BYTES) return undefined
    chunks.push(chunk)
  }
  const hasBody = size > 0 && method !== 'GET' && method !== 'HEAD'
  return new Request(new URL(req.url ?? '/', origin), { method, headers, ...(hasBody && { body: Buffer.concat(chunks) }) })
}

/**
 * Sends a Fetch API `Response` through node:http. A network error (`Response.error()`, the kit's
 * `network` fault) drops the connection, as an unreachable server does.
 */
export async function sendResponse(res: ServerResponse, response: Response, extraHeaders: Record<string, string> = {}): Promise<void> {
  if (response.type === 'error') {
    res.socket?.destroy()
    return
  }
  const headers = new Headers(response.headers)
  for (const [name, value] of Object.entries(extraHeaders)) headers.set(name, value)
  const cookies = headers.getSetCookie()
  const flat: Record<string, string | string[]> = {}
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') flat[name] = value
  })
  if (cookies.length > 0) flat['set-cookie'] = cookies
  res.writeHead(response.status, flat)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** A JSON answer of the server's own (not the kit's handlers'): unknown path, wrong host, body too large. */
export function sendJson(res: ServerResponse, status: number, body: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  res.end(JSON.stringify(body))
}
