// The embedded provider's control route (`/__embedded`), and the hooks the provider, its pages and
// the API call it through: what they answered (controlRecords.ts) and the faults the demo's
// panel and the browser tests inject (controlFaults.ts). One per dev-server origin, beside its
// provider.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { HmrcVatRoutes } from '../testing/hmrcVat.js'
import { createControlFaults } from './controlFaults.js'
import { EMBEDDED_FAULTS, type EmbeddedFault, type EmbeddedFaultName } from './controlProtocol.js'
import { createControlRecords } from './controlRecords.js'
import { readText, sendJson } from './http.js'

/** The longest a slow fault may hold an answer back: longer is a typo, not a test. */
export const MAX_DELAY_MS = 30_000

export interface EmbeddedControlOptions {
  issuer: string
  issuerPath: string
  apiPath: string
  /** The page's public client: the token faults are for its requests only. */
  publicClientId: string
  /** The server route's client: its lookups are not the page's API calls. */
  applicationClientId?: string
  /** The provider's access token lifetime, in seconds. */
  accessTokenTtl: number
  vat: HmrcVatRoutes
}

export type EmbeddedControl = ReturnType<typeof createEmbeddedControl>

export function createEmbeddedControl(options: EmbeddedControlOptions) {
  const records = createControlRecords(options)
  const faults = createControlFaults(options)

  return {
    /** Follows the provider's tokens and grants, to expire or revoke them later. */
    watch: (provider: Provider) => faults.watch(provider),
    tokenFaults: faults.tokenFaults,
    apiFault: faults.apiFault,
    refusal: faults.refusal,
    /** The consent page's answer, perhaps turned into a refusal, counted as it ends. */
    consentAnswer(answer: 'allow' | 'deny'): 'allow' | 'deny' {
      const final = faults.consentAnswer(answer)
      records.consentAnswered(final)
      return final
    },
    providerAnswered: records.providerAnswered,
    apiAnswered: records.apiAnswered,

    /** `GET /records?since=N`, `GET /api-requests`, `POST /faults`, for `req.url` under the control path. */
    async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://control')
      if (req.method === 'GET' && url.pathname === '/records') {
        return sendJson(res, 200, records.read(Number(url.searchParams.get('since') ?? 0) || 0))
      }
      if (req.method === 'GET' && url.pathname === '/api-requests') return sendJson(res, 200, records.apiRequests())
      if (req.method === 'POST' && url.pathname === '/faults') {
        // JSON only: another site's form cannot send it without a CORS preflight, which fails here.
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          return sendJson(res, 415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the fault as application/json' })
        }
        const fault = parseFault(await readText(req))
        if (!fault) {
          return sendJson(res, 400, {
            code: 'INVALID_FAULT',
            message: `expected {"fault": one of ${EMBEDDED_FAULTS.join(', ')}, "delayMs"?: 0..${MAX_DELAY_MS}, "grant"?: "authorization_code" | "refresh_token"}`,
          })
        }
        await faults.inject(fault)
        res.writeHead(204, { 'cache-control': 'no-store' }).end()
        return
      }
      return sendJson(res, 404, { code: 'NOT_FOUND', message: 'GET /records, GET /api-requests or POST /faults' })
    },
  }
}

/** The fault a body names, or undefined when it is not one (unknown name, delay out of bounds...). */
export function parseFault(text: string): EmbeddedFault | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!value || typeof value !== 'object') return undefined
  const { fault, delayMs, grant } = value as Record<string, unknown>
  if (!EMBEDDED_FAULTS.includes(fault as EmbeddedFaultName)) return undefined
  if (delayMs !== undefined && (typeof delayMs !== 'number' || !(delayMs >= 0 && delayMs <= MAX_DELAY_MS))) return undefined
  if (grant !== undefined && grant !== 'authorization_code' && grant !== 'refresh_token') return undefined
  return { fault: fault as EmbeddedFaultName, ...(delayMs !== undefined && { delayMs }), ...(grant !== undefined && { grant }) }
}
