// The embedded provider's control route and the hooks behind it: what the provider and its API
// answered (counters, an access log without tokens, the returns received) and the faults the
// demo's panel injects, each done the way a real server would fail, never by handing the page a
// token. One per dev-server origin, beside its provider.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type Provider from 'oidc-provider'
import type { ProviderContext } from 'oidc-provider'
import type { HmrcVatRoutes } from '../testing/hmrcVat.js'
import { EMBEDDED_FAULTS, type EmbeddedFault, type EmbeddedFaultName, type EmbeddedLogLine, type EmbeddedRecords } from './controlProtocol.js'
import { readText, sendJson } from './http.js'
import type { ProviderRequest } from './providerRequests.js'
import type { ServedRequest } from './resourceApi.js'

const LOG_LIMIT = 200
const MAX_DELAY_MS = 30_000

export interface EmbeddedControlOptions {
  issuer: string
  issuerPath: string
  apiPath: string
  /** The page's public client: the token faults are for its requests only. */
  publicClientId: string
  /** The server route's client: its lookups are not the page's API calls. */
  applicationClientId?: string
  vat: HmrcVatRoutes
}

/** What the API's gate decides for one request with a valid token. */
export type ApiFaultAnswer = { status: number; body: unknown } | 'drop' | undefined

export type EmbeddedControl = ReturnType<typeof createEmbeddedControl>

export function createEmbeddedControl(options: EmbeddedControlOptions) {
  const pending = new Map<EmbeddedFaultName, EmbeddedFault>()
  const log: EmbeddedLogLine[] = []
  let seq = 0
  const counters: EmbeddedRecords['counters'] = { authorizations: 0, consents: 0, denials: 0, codeExchanges: 0, refreshes: 0, clientCredentials: 0, apiCalls: 0 }
  /** Access tokens (jti) by grant, as the provider issued them; the API refuses the ones listed below. */
  const accessTokens = new Map<string, string | undefined>()
  const grants = new Set<string>()
  const refused = new Map<string, string>()
  let provider: Provider | undefined

  const take = (name: EmbeddedFaultName) => {
    const fault = pending.get(name)
    pending.delete(name)
    return fault
  }
  const addLine = (line: Omit<EmbeddedLogLine, 'seq' | 'at'>) => {
    log.push({ ...line, seq: ++seq, at: Date.now() })
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT)
  }

  async function revokeGrants(): Promise<void> {
    if (!provider) return
    for (const grantId of grants) {
      await Promise.all([
        provider.RefreshToken.revokeByGrantId(grantId),
        provider.AuthorizationCode.revokeByGrantId(grantId),
        provider.Grant.adapter.destroy(grantId),
      ])
      for (const [jti, of] of accessTokens) if (of === grantId) refused.set(jti, 'The access token was revoked')
    }
    grants.clear()
  }

  async function inject(fault: EmbeddedFault): Promise<void> {
    if (fault.fault === 'expire-access-tokens') {
      for (const jti of accessTokens.keys()) if (!refused.has(jti)) refused.set(jti, 'The access token expired')
    } else if (fault.fault === 'revoke-grants') {
      await revokeGrants()
    } else {
      pending.set(fault.fault, fault)
    }
  }

  return {
    /** Follows the provider's tokens and grants (its events), to expire or revoke them later. */
    watch(watched: Provider) {
      provider = watched
      watched.on('access_token.issued', (token) => {
        const { jti, grantId } = token as { jti: string; grantId?: string }
        accessTokens.set(jti, grantId)
      })
      watched.on('grant.saved', (grant) => grants.add((grant as { jti: string }).jti))
    },

    /**
     * oidc-provider middleware: the token faults. A refresh refused before the provider reads
     * it leaves the refresh token unused, so the client's retry works, as after a real outage.
     * Returns what the access log should say of a request the provider never saw.
     */
    async tokenFaults(ctx: ProviderContext, next: () => Promise<void>): Promise<Partial<ProviderRequest>> {
      const isToken = ctx.method === 'POST' && ctx.path.endsWith('/token')
      // A public client authenticates with no header; the server route's client with Basic.
      const publicRequest = isToken && !ctx.get('authorization')
      if (publicRequest && pending.has('fail-next-refresh')) {
        const text = await readText(ctx.req)
        if (new URLSearchParams(text).get('grant_type') === 'refresh_token') {
          take('fail-next-refresh')
          ctx.status = 503
          ctx.body = { error: 'temporarily_unavailable', error_description: 'The token service is unavailable; try again later' }
          // What the provider's own log would have said, had it read the request.
          return { route: 'token', grantType: 'refresh_token', error: 'temporarily_unavailable' }
        }
        // Read already: oidc-provider takes a consumed form body from req.body.
        ctx.req.body = text
      }
      await next()
      const slow = pending.get('slow-next-token')
      const grantType = ctx.oidc?.params?.grant_type
      if (publicRequest && slow && ctx.oidc?.client?.clientId === options.publicClientId && (!slow.grant || slow.grant === grantType)) {
        take('slow-next-token')
        await sleep(slow.delayMs ?? 3000)
      }
      return {}
    },

    /** The API's answer to a person's request with a valid token, when a fault is pending. */
    async apiFault(): Promise<ApiFaultAnswer> {
      if (take('drop-next-api')) return 'drop'
      const slow = take('slow-next-api')
      if (slow) await sleep(slow.delayMs ?? 3000)
      if (take('fail-next-api')) return { status: 503, body: { code: 'SERVER_ERROR', message: 'Service unavailable' } }
      return undefined
    },

    /** Why the API refuses a token the provider signed (expired or revoked here), if it does. */
    refusal(jti: string | undefined): string | undefined {
      return jti === undefined ? undefined : refused.get(jti)
    },

    /** The consent page's answer, which `deny-next-consent` turns into a refusal. */
    consentAnswer(answer: 'allow' | 'deny'): 'allow' | 'deny' {
      const final = answer === 'allow' && take('deny-next-consent') ? 'deny' : answer
      if (final === 'allow') counters.consents += 1
      else counters.denials += 1
      return final
    },

    providerAnswered(request: ProviderRequest) {
      if (request.route === 'authorization') counters.authorizations += 1
      if (request.route === 'token' && request.status === 200) {
        if (request.grantType === 'authorization_code') counters.codeExchanges += 1
        if (request.grantType === 'refresh_token') counters.refreshes += 1
        if (request.grantType === 'client_credentials') counters.clientCredentials += 1
      }
      const path = request.path.startsWith(options.issuerPath) ? request.path : `${options.issuerPath}${request.path}`
      addLine({
        source: 'provider',
        what: `${request.method} ${path}${request.grantType ? ` (${request.grantType})` : ''}`,
        status: request.status,
        ...(request.error && { error: request.error }),
      })
    },

    apiAnswered(entry: ServedRequest) {
      if (entry.clientId === undefined || entry.clientId !== options.applicationClientId) counters.apiCalls += 1
      addLine({ source: 'api', what: `${entry.method} ${options.apiPath}${entry.path}`, status: entry.status, ...(entry.error && { error: entry.error }) })
    },

    /** `GET /records?since=N`, `POST /faults`, for `req.url` under the control path. */
    async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const url = new URL(req.url ?? '/', 'http://control')
      if (req.method === 'GET' && url.pathname === '/records') {
        const since = Number(url.searchParams.get('since') ?? 0) || 0
        const records: EmbeddedRecords = {
          issuer: options.issuer,
          counters: { ...counters },
          submissions: options.vat.submissions.map((s) => ({ receiptId: s.receiptId, periodKey: s.periodKey, netVatDue: s.body.netVatDue, processingDate: s.processingDate })),
          duplicates: options.vat.duplicates.length,
          log: log.filter((line) => line.seq > since),
          lastSeq: seq,
        }
        return sendJson(res, 200, records)
      }
      if (req.method === 'POST' && url.pathname === '/faults') {
        // JSON only: another site's form cannot send it without a CORS preflight, which fails here.
        if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
          return sendJson(res, 415, { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the fault as application/json' })
        }
        const fault = parseFault(await readText(req))
        if (!fault) return sendJson(res, 400, { code: 'INVALID_FAULT', message: `expected {"fault": one of ${EMBEDDED_FAULTS.join(', ')}, "delayMs"?: 0..${MAX_DELAY_MS}, "grant"?}` })
        await inject(fault)
        res.writeHead(204, { 'cache-control': 'no-store' }).end()
        return
      }
      return sendJson(res, 404, { code: 'NOT_FOUND', message: 'GET /records or POST /faults' })
    },
  }
}

function parseFault(text: string): EmbeddedFault | undefined {
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
