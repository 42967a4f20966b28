// Small node:http helpers the dev server's handlers share.
import type { IncomingMessage, ServerResponse } from 'node:http'

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

/** The request's body as text ('' when it has none). */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
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
