// What the embedded provider's control route (`/__embedded`) says and takes: types only, so the
// demo's page and the browser tests can import them without the dev server's Node code.

/**
 * The faults the control route injects. `expire-access-tokens` and `revoke-grants` act at once;
 * the others wait, in the order injected, each for the next request it fits (injected twice, it
 * fits the next two).
 */
export const EMBEDDED_FAULTS = [
  /** Every access token issued so far (the application's too) is refused by the API (401 invalid_token); new ones work. */
  'expire-access-tokens',
  /** Every grant so far is destroyed with its refresh tokens, and its access tokens refused. */
  'revoke-grants',
  /** The next API call with a person's valid token is answered 503 `{ code: 'SERVER_ERROR' }`. */
  'fail-next-api',
  /** The next API call is answered after `delayMs` (default 3000). */
  'slow-next-api',
  /** The next API call's connection is dropped: a network error for the client. */
  'drop-next-api',
  /** The next refresh by the page's client is answered 503, its refresh token left unused. */
  'fail-next-refresh',
  /** The next token response for the page's client (of `grant`, if given) comes after `delayMs`. */
  'slow-next-token',
  /** The next consent ends in access_denied, whatever the user answers. */
  'deny-next-consent',
] as const

export type EmbeddedFaultName = (typeof EMBEDDED_FAULTS)[number]

/** A fault, as `POST /__embedded/faults` takes it (JSON). */
export interface EmbeddedFault {
  fault: EmbeddedFaultName
  /** For the slow faults: how long the answer is held back, in milliseconds (at most 30 000). */
  delayMs?: number
  /** For `slow-next-token`: only a token request of this grant type. */
  grant?: 'authorization_code' | 'refresh_token'
}

/** One request the provider or its API answered, as an access log says it: never a token. */
export interface EmbeddedLogLine {
  /** Increases by one per line from the dev server's start. */
  seq: number
  at: number
  source: 'provider' | 'api'
  /** `POST /oidc/token (refresh_token)`, `GET /api/local/organisations/vat/123456789/obligations`. */
  what: string
  /** The HTTP status; 0 when the connection was dropped (`drop-next-api`). */
  status: number
  /** The OAuth or Bearer error it answered with. */
  error?: string
}

/** What `GET /__embedded/records?since=N` answers. */
export interface EmbeddedRecords {
  issuer: string
  counters: {
    /** Requests answered at the authorization endpoint (one per trip to the provider). */
    authorizations: number
    /** Consents given, and refused, on the consent page. */
    consents: number
    denials: number
    /** Token responses (200) by grant type. */
    codeExchanges: number
    refreshes: number
    clientCredentials: number
    /** Requests the VAT API answered (any status, dropped ones too), except those with the application's token. */
    apiCalls: number
  }
  /** The VAT returns the API accepted, in order. */
  submissions: Array<{ receiptId: string; periodKey: string; netVatDue: number; processingDate: string }>
  /** Submissions refused as duplicates. */
  duplicates: number
  /** The log's lines after `since` (the last 200 at most). */
  log: EmbeddedLogLine[]
  /** The newest line's `seq` (0 before any): a smaller number than a reader saw means a restart. */
  lastSeq: number
}

/** One request the local API received, as `GET /__embedded/api-requests` tells it (newest last). */
export interface EmbeddedApiRequest {
  /** The same numbering as the log's lines. */
  seq: number
  at: number
  method: string
  /** `/api/local/organisations/vat/123456789/returns`: the path, the query apart. */
  path: string
  status: number
  error?: string
  /** The query parameters. */
  query: Record<string, string>
  /** Every header as sent, lower-case, except `authorization` (`Bearer …` and the token's last 4 characters) and `cookie` (not shown). */
  headers: Record<string, string>
  /** The body: parsed JSON, else text. */
  body?: unknown
}

/** What `GET /__embedded/api-requests` answers: the last 50 requests the API received. */
export interface EmbeddedApiRequests {
  requests: EmbeddedApiRequest[]
}
