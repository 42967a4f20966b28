import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createResourceApi, type ServedRequest } from '../../src/devServer/resourceApi.js'

export type { ServedRequest } from '../../src/devServer/resourceApi.js'

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
 * The token checks are the dev server's (src/devServer/resourceApi.ts); the routes are simpler
 * than its HMRC ones on purpose: these tests are about the protocol, so any JSON body is a
 * return, and the same return may be filed any number of times.
 *
 * @example
 * const api = await startResourceServer({ issuer })
 * // GET  {api.url}/organisations/vat/{vrn}/obligations  needs read:vat
 * // POST {api.url}/organisations/vat/{vrn}/returns      needs write:vat (recorded in api.submissions)
 * // GET  {api.url}/vat-rates                            needs read:vat, the application's token only
 */
export async function startResourceServer(options: { issuer: string; jwksUri?: string }): Promise<ResourceServer> {
  const submissions: RecordedSubmission[] = []
  let formBundles = 0

  const server = createServer()
  server.unref()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const api = createResourceApi({
    issuer: options.issuer,
    ...(options.jwksUri && { jwksUri: options.jwksUri }),
    url,
    realm: 'vat',
    routes: [
      {
        method: 'GET',
        path: '/organisations/vat/{vrn}/obligations',
        scopes: ['read:vat'],
        respond: () => ({ obligations: OBLIGATIONS }),
      },
      {
        method: 'POST',
        path: '/organisations/vat/{vrn}/returns',
        scopes: ['write:vat'],
        respond: ({ params, body, claims }) => {
          submissions.push({ vrn: params.vrn!, body, sub: claims.sub, clientId: claims.client_id })
          return Response.json({ formBundleNumber: String(++formBundles).padStart(12, '0'), processingDate: new Date().toISOString() }, { status: 201 })
        },
      },
      {
        method: 'GET',
        path: '/vat-rates',
        scopes: ['read:vat'],
        applicationOnly: true,
        respond: () => ({ rates: VAT_RATES }),
      },
    ],
  })
  server.on('request', (req, res) => void api.handle(req, res))

  return {
    url,
    served: api.served,
    submissions,
    stop: () => closeServer(server),
  }
}

/** Stops a server and drops its idle keep-alive connections, so nothing lingers after the test. */
export function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
