// Ledgerline's server side: it holds the client secret and calls HMRC as the application
// (client credentials) with grantflow in Node. The fake HMRC here is the provider kit, answered
// in-process through MSW's getResponse: no network, and no global fetch patched in the dev server.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { getResponse } from 'msw'
import { APPLICATION_USER, ApiError, createGrantflow, createHmrcProvider, defineApi, defineClient, defineEndpoint, isGrantflowError, shape } from 'grantflow'
import { createProviderKit, type ProviderKit } from 'grantflow/testing'
import { vatCheckRoutes, type VatRegisteredCompany } from './vatCheckRoutes.js'

/** HMRC's "Check a UK VAT number" API is version 2.0: its own Accept media type. */
const hmrcV2 = createHmrcProvider({ apiVersion: '2.0', connectionMethod: 'WEB_APP_VIA_SERVER' })

const vatCheck = defineApi({
  id: 'vat-check',
  name: 'Check a UK VAT number',
  provider: hmrcV2,
  endpoints: {
    lookup: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/check-vat-number/lookup/{targetVrn}',
      apiUser: 'application',
      result: shape<{ target: VatRegisteredCompany; processingDate: string }>(),
    }),
  },
})

const CLIENT_ID = 'ledgerline-server'
const ENVIRONMENTS = new Set(['sandbox', 'production'])

/** A fetch answered by the kit's handlers, as MSW would answer it in a test. */
function fetchFrom(kit: ProviderKit): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init)
    const response = await getResponse(kit.handlers, request)
    if (!response) throw new TypeError(`fetch failed: nothing answers ${request.method} ${new URL(request.url).origin}`)
    return response
  }
}

export interface ApplicationBackend {
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>
}

export function createApplicationBackend(
  // The secret comes from the server's environment; the demo makes one up when none is set.
  clientSecret = process.env.LEDGERLINE_CLIENT_SECRET ?? randomBytes(24).toString('base64url'),
): ApplicationBackend {
  const environments = new Map<string, ReturnType<typeof createEnvironment>>()

  function createEnvironment(name: string) {
    const kit = createProviderKit({
      provider: hmrcV2,
      environment: name,
      clients: [{ clientId: CLIENT_ID, clientSecret, authMethod: 'client_secret_post', grantTypes: ['client_credentials'] }],
      api: vatCheckRoutes(),
    })
    const grantflow = createGrantflow({
      apis: { vatCheck },
      clients: { hmrc: defineClient({ clientId: CLIENT_ID, authentication: { method: 'client_secret_post', clientSecret } }) },
      environment: name,
      fetch: fetchFrom(kit),
    })
    return { kit, grantflow, lookups: 0 }
  }

  const environmentOf = (url: URL) => {
    const name = url.searchParams.get('environment') ?? 'sandbox'
    if (!ENVIRONMENTS.has(name)) return undefined
    let env = environments.get(name)
    if (!env) environments.set(name, (env = createEnvironment(name)))
    return env
  }

  return {
    async handle(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost')
      const env = environmentOf(url)
      if (request.method !== 'GET') return send(response, 405, { code: 'METHOD_NOT_ALLOWED', message: 'Only GET is supported' })
      if (!env) return send(response, 400, { code: 'INVALID_ENVIRONMENT', message: 'environment must be sandbox or production' })
      const stats = () => ({ tokenRequests: env.kit.counters.tokenRequestsByGrant.client_credentials, lookups: env.lookups })

      const lookup = /^\/vat-check\/([^/]+)$/.exec(url.pathname)
      if (lookup) {
        env.lookups += 1
        try {
          const found = await env.grantflow.apis.vatCheck.lookup({ targetVrn: decodeURIComponent(lookup[1]!) })
          return send(response, 200, { ...found, server: stats() })
        } catch (error) {
          if (error instanceof ApiError && error.status < 500) {
            const body = error.body as { code?: string; message?: string } | undefined
            return send(response, error.status, { code: body?.code ?? 'API_ERROR', message: body?.message ?? error.message })
          }
          const code = isGrantflowError(error) ? error.code : 'unexpected'
          return send(response, 502, { code, message: 'HMRC could not be reached or refused the application' })
        }
      }

      if (url.pathname === '/session') {
        const [session] = await env.grantflow.sessions.list(APPLICATION_USER)
        // Facts about the application's session, never its token.
        return send(response, 200, {
          connected: session?.tokens !== undefined,
          scopes: session?.tokens?.scopes ?? [],
          ...(session?.tokens?.expiresAt !== undefined && { expiresAt: session.tokens.expiresAt }),
          errors: session?.errors ?? [],
          ...stats(),
        })
      }
      return send(response, 404, { code: 'NOT_FOUND', message: `no route ${url.pathname}` })
    },
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status
  response.setHeader('content-type', 'application/json')
  response.setHeader('cache-control', 'no-store')
  response.end(JSON.stringify(body))
}
