// The application's server route: grantflow in Node, as the application (client credentials) with
// a confidential client whose secret never leaves the server, calling the embedded VAT API's
// application-restricted lookup. The browser asks this route, never the provider.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError, APPLICATION_USER, createGrantflow, defineApi, defineClient, defineEndpoint, defineProvider, isGrantflowError, shape } from '../index.js'
import { sendJson } from './http.js'
import { VAT_CHECK_PATH, type VatRegisteredCompany } from './vatResourceApi.js'

export interface ApplicationRouteOptions {
  /** The embedded provider's issuer, discovered (OpenID Connect). */
  issuer: string
  /** The VAT API's base URL: the resource its token is for. */
  resourceUrl: string
  clientId: string
  clientSecret: string
  /** How many client credentials token requests the provider answered for this client. */
  tokenRequests: () => number
}

/** What the application's session looks like from the browser: facts, never the token. */
export interface ApplicationSessionFacts {
  connected: boolean
  scopes: string[]
  expiresAt?: number
  errors: unknown[]
  tokenRequests: number
  lookups: number
}

/**
 * The route's handler, for `req.url` under its mount (`/api/app`):
 * - `GET /vat-check/{vrn}`: HMRC's "Check a UK VAT number" as the application:
 *   `{ target, processingDate, server: { tokenRequests, lookups } }`, or `{ code, message }`;
 * - `GET /session`: the application's session as {@link ApplicationSessionFacts}.
 * The same answers as the demo's MSW-mode route (src/demo/server), so the page works with both.
 *
 * @example
 * const route = createApplicationRoute({ issuer, resourceUrl, clientId: 'ledgerline-server', clientSecret, tokenRequests: () => 0 })
 * server.middlewares.use('/api/app', (req, res) => void route(req, res))
 */
export function createApplicationRoute(options: ApplicationRouteOptions) {
  const local = defineProvider({
    id: 'local',
    name: 'Local VAT Gateway',
    environments: { local: { authorizationServer: { issuer: options.issuer, discovery: 'oidc' }, apiBaseUrl: options.resourceUrl } },
  })
  const vatCheck = defineApi({
    id: 'vat-check',
    name: 'Check a UK VAT number',
    provider: local,
    endpoints: {
      lookup: defineEndpoint({
        method: 'GET',
        path: VAT_CHECK_PATH,
        apiUser: 'application',
        result: shape<{ target: VatRegisteredCompany; processingDate: string }>(),
      }),
    },
  })
  const grantflow = createGrantflow({
    apis: { vatCheck },
    clients: {
      local: defineClient({
        clientId: options.clientId,
        authentication: { method: 'client_secret_basic', clientSecret: options.clientSecret },
        resource: options.resourceUrl,
      }),
    },
    environment: 'local',
  })
  let lookups = 0
  const stats = () => ({ tokenRequests: options.tokenRequests(), lookups })

  async function lookup(res: ServerResponse, vrn: string) {
    lookups += 1
    try {
      const found = await grantflow.apis.vatCheck.lookup({ targetVrn: vrn })
      return sendJson(res, 200, { ...found, server: stats() })
    } catch (error) {
      if (error instanceof ApiError && error.status < 500) {
        const body = error.body as { code?: string; message?: string } | undefined
        return sendJson(res, error.status, { code: body?.code ?? 'API_ERROR', message: body?.message ?? error.message })
      }
      const code = isGrantflowError(error) ? error.code : 'unexpected'
      return sendJson(res, 502, { code, message: 'The VAT API could not be reached or refused the application' })
    }
  }

  async function session(res: ServerResponse) {
    const [current] = await grantflow.sessions.list(APPLICATION_USER)
    const facts: ApplicationSessionFacts = {
      connected: current?.tokens !== undefined,
      scopes: current?.tokens?.scopes ?? [],
      ...(current?.tokens?.expiresAt !== undefined && { expiresAt: current.tokens.expiresAt }),
      errors: current?.errors ?? [],
      ...stats(),
    }
    return sendJson(res, 200, facts)
  }

  return async function applicationRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://app').pathname
    if (req.method !== 'GET') return sendJson(res, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Only GET is supported' })
    const vrn = /^\/vat-check\/(\w+)$/.exec(path)?.[1]
    if (vrn !== undefined) return lookup(res, vrn)
    if (path === '/session') return session(res)
    return sendJson(res, 404, { code: 'NOT_FOUND', message: `no route ${path}` })
  }
}
