// What the control route reports of one origin's provider and API: counters as the provider kit
// keeps them, an access log (methods, paths, grant types, statuses, error codes: never a token, a
// code or a secret, so the page can show it) and the VAT returns received.
import type { HmrcVatRoutes } from '../testing/hmrcVat.js'
import type { EmbeddedApiRequest, EmbeddedApiRequests, EmbeddedLogLine, EmbeddedRecords } from './controlProtocol.js'
import type { ProviderRequest } from './providerRequests.js'
import type { ServedRequest } from './resourceApi.js'

/** Lines the log keeps: a demo session's worth, bounded for a dev server left running for days. */
export const LOG_LIMIT = 200
/** API requests kept with what they carried: fewer, each holds headers and a body. */
export const API_REQUEST_LIMIT = 50

export interface ControlRecordsOptions {
  issuer: string
  /** Prefixed to the provider's paths: connect strips the mount before oidc-provider sees them. */
  issuerPath: string
  apiPath: string
  /** The server route's client: its lookups are the application's, not the page's API calls. */
  applicationClientId?: string
  vat: HmrcVatRoutes
}

export type ControlRecords = ReturnType<typeof createControlRecords>

export function createControlRecords(options: ControlRecordsOptions) {
  const counters: EmbeddedRecords['counters'] = {
    authorizations: 0,
    consents: 0,
    denials: 0,
    codeExchanges: 0,
    refreshes: 0,
    clientCredentials: 0,
    apiCalls: 0,
  }
  const log: EmbeddedLogLine[] = []
  const apiRequests: EmbeddedApiRequest[] = []
  let seq = 0

  const addLine = (line: Omit<EmbeddedLogLine, 'seq' | 'at'>) => {
    log.push({ ...line, seq: ++seq, at: Date.now() })
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT)
  }

  return {
    /** A request oidc-provider answered (or the token faults answered in its place). */
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
        // The path only: a query string (the authorization request's state, a code) stays out.
        what: `${request.method} ${path}${request.grantType ? ` (${request.grantType})` : ''}`,
        status: request.status,
        ...(request.error && { error: request.error }),
      })
    },

    /** A request the API answered, or dropped (status 0). */
    apiAnswered(entry: ServedRequest) {
      if (options.applicationClientId === undefined || entry.clientId !== options.applicationClientId) counters.apiCalls += 1
      addLine({ source: 'api', what: `${entry.method} ${options.apiPath}${entry.path}`, status: entry.status, ...(entry.error && { error: entry.error }) })
      apiRequests.push({
        seq,
        at: Date.now(),
        method: entry.method,
        path: `${options.apiPath}${entry.path}`,
        status: entry.status,
        ...(entry.error && { error: entry.error }),
        query: entry.received?.query ?? {},
        headers: entry.received?.headers ?? {},
        ...(entry.received?.body !== undefined && { body: entry.received.body }),
      })
      if (apiRequests.length > API_REQUEST_LIMIT) apiRequests.splice(0, apiRequests.length - API_REQUEST_LIMIT)
    },

    /** The consent page's final answer (after the faults had their say). */
    consentAnswered(answer: 'allow' | 'deny') {
      if (answer === 'allow') counters.consents += 1
      else counters.denials += 1
    },

    /** The last requests the API received, with what they carried (their tokens masked). */
    apiRequests(): EmbeddedApiRequests {
      return { requests: apiRequests.map((request) => ({ ...request })) }
    },

    /** The records, with the log lines after `since`. */
    read(since: number): EmbeddedRecords {
      return {
        issuer: options.issuer,
        counters: { ...counters },
        submissions: options.vat.submissions.map((s) => ({
          receiptId: s.receiptId,
          periodKey: s.periodKey,
          netVatDue: s.body.netVatDue,
          processingDate: s.processingDate,
        })),
        duplicates: options.vat.duplicates.length,
        log: log.filter((line) => line.seq > since),
        lastSeq: seq,
      }
    },
  }
}
