import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as oauth from 'oauth4webapi'

/** What the resource server did with one request, as its access log would say. */
export interface ServedRequest {
  method: string
  path: string
  status: number
  /** The validated token's subject and client, when the token was valid. */
  sub?: string
  clientId?: string
  /** The validated token's scopes. */
  scopes?: string[]
  /** The validated token's identifier (`jti`), to tell one token from the next. */
  tokenId?: string
  /** The Bearer error it answered with (invalid_token, insufficient_scope). */
  error?: string
}

/** A VAT return as the resource server recorded it. */
export interface RecordedSubmission {
  vrn: string
  body: unknown
  /** Who submitted it: the token's subject and client. */
  sub: string
  clientId: string
}

export interface ResourceServer {
  /** The server's base URL, which is also its resource indicator (RFC 8707) and tokens' audience. */
  url: string
  served: ServedRequest[]
  submissions: RecordedSubmission[]
  stop(): Promise<void>
}

interface Route {
  method: 'GET' | 'POST'
  pattern: RegExp
  scopes: string[]
  /** Only the application's own tokens (client credentials: the subject is the client). */
  applicationOnly?: boolean
  answer(match: RegExpExecArray, body: unknown, claims: oauth.JWTAccessTokenClaims): unknown
}

export const OBLIGATIONS = [
  { periodKey: '25A3', start: '2025-01-01', end: '2025-03-31', due: '2025-05-07', status: 'O' },
  { periodKey: '#001', start: '2025-04-01', end: '2025-06-30', due: '2025-08-07', status: 'O' },
]

export const VAT_RATES = { standard: 20, reduced: 5, zero: 0 }

/**
 * A small VAT-like API that accepts only the provider's JWT access tokens (RFC 9068), checked
 * with oauth4webapi against the provider's JWKS, and refuses per RFC 6750: 401 `invalid_token`,
 * 403 `insufficient_scope` with the scopes the route needs. Listens on 127.0.0.1, port from the OS.
 *
 * @example
 * const api = await startResourceServer({ issuer })
 * // GET  {api.url}/organisations/vat/{vrn}/obligations  needs read:vat
 * // POST {api.url}/organisations/vat/{vrn}/returns      needs write:vat (recorded in api.submissions)
 * // GET  {api.url}/vat-rates                            needs read:vat, the application's token only
 */
export async function startResourceServer(options: { issuer: string; jwksUri?: string }): Promise<ResourceServer> {
  const as: oauth.AuthorizationServer = { issuer: options.issuer, jwks_uri: options.jwksUri ?? `${options.issuer}/jwks` }
  const served: ServedRequest[] = []
  const submissions: RecordedSubmission[] = []
  let formBundles = 0

  const routes: Route[] = [
    {
      method: 'GET',
      pattern: /^\/organisations\/vat\/(\d{9})\/obligations$/,
      scopes: ['read:vat'],
      answer: () => ({ obligations: OBLIGATIONS }),
    },
    {
      method: 'POST',
      pattern: /^\/organisations\/vat\/(\d{9})\/returns$/,
      scopes: ['write:vat'],
      answer: (match, body, claims) => {
        submissions.push({ vrn: match[1]!, body, sub: claims.sub, clientId: claims.client_id })
        return { formBundleNumber: String(++formBundles).padStart(12, '0'), processingDate: new Date().toISOString() }
      },
    },
    {
      method: 'GET',
      pattern: /^\/vat-rates$/,
      scopes: ['read:vat'],
      applicationOnly: true,
      answer: () => ({ rates: VAT_RATES }),
    },
  ]

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => send(res, 500, { error: 'server_error' }))
  })
  server.unref()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', url).pathname
    const entry: ServedRequest = { method: req.method ?? 'GET', path, status: 0 }
    served.push(entry)
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status
      send(res, status, body, headers)
    }
    const body = await readJson(req)

    let match: RegExpExecArray | null = null
    const route = routes.find((r) => r.method === req.method && (match = r.pattern.exec(path)))
    if (!route || !match) return answer(404, { code: 'MATCHING_RESOURCE_NOT_FOUND' })

    if (!req.headers.authorization) {
      // RFC 6750 §3.1: a request without credentials gets the challenge and no error code.
      return answer(401, { code: 'MISSING_CREDENTIALS' }, { 'www-authenticate': 'Bearer realm="vat"' })
    }
    let claims: oauth.JWTAccessTokenClaims
    try {
      claims = await oauth.validateJwtAccessToken(as, toRequest(req, url), url, { [oauth.allowInsecureRequests]: true })
    } catch {
      entry.error = 'invalid_token'
      return answer(401, { code: 'INVALID_CREDENTIALS' }, { 'www-authenticate': 'Bearer realm="vat", error="invalid_token"' })
    }
    const scopes = claims.scope?.split(' ').filter(Boolean) ?? []
    Object.assign(entry, { sub: claims.sub, clientId: claims.client_id, scopes, tokenId: claims.jti })
    if (!route.scopes.every((scope) => scopes.includes(scope))) {
      entry.error = 'insufficient_scope'
      return answer(403, { code: 'INSUFFICIENT_SCOPE' }, {
        'www-authenticate': `Bearer realm="vat", error="insufficient_scope", scope="${route.scopes.join(' ')}"`,
      })
    }
    if (route.applicationOnly && claims.sub !== claims.client_id) {
      return answer(403, { code: 'APPLICATION_ONLY' })
    }
    return answer(route.method === 'POST' ? 201 : 200, route.answer(match, body, claims))
  }

  return {
    url,
    served,
    submissions,
    stop: () => closeServer(server),
  }
}

/** The incoming request as the Fetch API Request oauth4webapi validates (headers are what it reads). */
function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one)
  }
  return new Request(new URL(req.url ?? '/', base), { method: req.method === 'POST' ? 'POST' : 'GET', headers })
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(body))
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  if (!chunks.length) return undefined
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return undefined
  }
}

/** Stops a server and drops its idle keep-alive connections, so nothing lingers after the test. */
export function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
