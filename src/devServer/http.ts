// Small node:http helpers the dev server's handlers share.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { finished } from 'node:stream/promises'

/** The largest body the dev server's handlers read: a fault, a login form, a VAT return are far smaller. */
export const MAX_BODY_BYTES = 64 * 1024

/** A request body over {@link MAX_BODY_BYTES}: answered 413, never buffered. */
export class RequestBodyTooLargeError extends Error {
  readonly code = 'PAYLOAD_TOO_LARGE'
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes`)
    this.name = 'RequestBodyTooLargeError'
  }
}

/** Answers with JSON, never cached (an API's answers carry account data). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

/** Answers with an HTML page, never cached, never framed. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  })
  res.end(html)
}

/** Sends a Fetch API Response through node:http. */
export async function sendResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  response.headers.forEach((value, name) => {
    headers[name] = value
  })
  res.writeHead(response.status, headers)
  res.end(Buffer.from(await response.arrayBuffer()))
}

/**
 * The request's body as text ('' when it has none), or a {@link RequestBodyTooLargeError} past
 * `limit` bytes (its Content-Length or what arrives), thrown once the rest is read and dropped:
 * a client still sending would miss the 413 if the connection closed under it.
 */
export async function readText(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = []
  // A Content-Length over the limit is refused before reading; a chunked body, as it arrives.
  let received = Number(req.headers['content-length']) > limit ? limit + 1 : 0
  if (received <= limit) {
    // Not destroyed when left early: the socket has yet to carry the 413.
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length
      if (received > limit) break
      chunks.push(chunk)
    }
  }
  if (received > limit) {
    await discardBody(req)
    throw new RequestBodyTooLargeError(limit)
  }
  return Buffer.concat(chunks, received).toString('utf8')
}

/** Reads the rest of a body without keeping it (an aborted upload ends the wait too). */
async function discardBody(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return
  req.resume()
  await finished(req).catch(() => undefined)
}

/** Answers 413 for a {@link RequestBodyTooLargeError}. */
export function sendBodyTooLarge(res: ServerResponse, error: RequestBodyTooLargeError): void {
  sendJson(res, 413, { code: error.code, message: `The request body is larger than ${error.limit / 1024} kB` })
}

/** The request's body as JSON when it says it is JSON, as text otherwise, `undefined` when empty. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined
  if (!(contentType ?? '').includes('json')) return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** The incoming request as a Fetch API Request for `url`, with its headers and body. */
export function toFetchRequest(req: IncomingMessage, url: URL, body: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one)
  }
  const method = req.method ?? 'GET'
  return new Request(url, { method, headers, ...(body !== '' && method !== 'GET' && method !== 'HEAD' && { body }) })
}
