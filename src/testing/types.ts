import type { RequestHandler } from 'msw'
import type { Provider } from '../model/provider.js'

/** The grants the kit's token endpoint knows. */
export type KitGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials'

/** The endpoints the kit mocks, as they appear in `kit.requests`. */
export type KitEndpoint = 'authorize' | 'token' | 'api' | 'revoke' | 'discovery'

/** Departures from RFC 6749 that real providers make in their token responses. */
export type KitQuirk =
  'expiresInAsString' | 'accessTokenValidity' | 'tokenTypeLowercase' | 'tokenTypeMissing' | 'commaSeparatedScope' | 'errorWithStatus200' | 'formEncoded'

/** A client registered at the fake authorization server. */
export interface KitClient {
  clientId: string
  /** Required for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  authMethod: 'none' | 'client_secret_basic' | 'client_secret_post'
  /** Exact redirect URIs accepted; when absent or empty, any absolute URI is accepted. */
  redirectUris?: string[]
  /**
   * Grants the client may use. Default: public clients `authorization_code` and `refresh_token`,
   * confidential clients those and `client_credentials`.
   */
  grantTypes?: string[]
}

/** What a protected API route's `respond` sees about the request and the token that authorized it. */
export interface KitRouteContext {
  /** Path parameters from the route template, URI-decoded. */
  params: Record<string, string>
  query: URLSearchParams
  /** The JSON body when the request sent JSON, its text otherwise, `undefined` without a body. */
  body: unknown
  request: Request
  token: { clientId: string; scopes: string[]; grant: string }
  /** The kit's clock (epoch milliseconds) at the time of the request. */
  now: number
}

/** A protected API route served under the environment's `apiBaseUrl`. */
export interface KitRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** A template such as `'/organisations/vat/{vrn}/obligations'`. */
  path: string
  /** Scopes the access token must carry; otherwise 403 `insufficient_scope`. */
  scopes?: string[]
  /** Only an application token (client credentials grant) is accepted. */
  applicationOnly?: boolean
  /** Only a user's token (authorization code grant and its refreshes) is accepted. */
  userOnly?: boolean
  /** A `Response` is sent as is; `undefined` as 204; anything else as JSON with status 200. */
  respond: (ctx: KitRouteContext) => Response | unknown | Promise<Response | unknown>
}

export type KitFaultKind = 'server_error' | 'unavailable' | 'network' | 'malformed_json' | 'invalid_grant' | 'slow' | 'rate_limited'

/** A fault the next matching request(s) meet instead of (or, for `slow`, before) the normal answer. */
export interface KitFault {
  endpoint: 'token' | 'api' | 'authorize' | 'revoke' | 'discovery'
  kind: KitFaultKind
  /** How many requests meet the fault; default 1, `Infinity` allowed. */
  times?: number
  /** For `slow`: how long the answer is held back (default 1000 ms). */
  delayMs?: number
  /** Token faults only: only requests for this grant meet the fault. */
  grant?: KitGrantType
}

/** Live request counts; the object is updated in place. */
export interface KitCounters {
  tokenRequests: number
  tokenRequestsByGrant: Record<KitGrantType, number>
  authorizations: number
  apiCalls: number
  revocations: number
  discovery: number
}

/** One request the kit answered. Holds no token, code or secret. */
export interface KitRequestRecord {
  endpoint: KitEndpoint
  method: string
  url: string
  grantType?: string
  /** 0 for a simulated network failure. */
  status: number
}

export interface ProviderKitOptions {
  provider: Provider
  /** Which of `provider.environments` to mock. */
  environment: string
  /** Registered clients; default one public client `test-client` accepting any redirect URI. */
  clients?: KitClient[]
  /** Default 3600. */
  accessTokenTtlSeconds?: number
  /** Default true; the client credentials grant never gets a refresh token. */
  issueRefreshTokens?: boolean
  /** Default true: a refresh returns a new refresh token and the old one stops working. */
  rotateRefreshTokens?: boolean
  /**
   * Add `iss` to callbacks (RFC 9207). Default: when the environment is discovery-based or
   * declares `issParameterSupported`.
   */
  sendIss?: boolean
  quirks?: Partial<Record<KitQuirk, boolean>>
  api?: KitRoute[]
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number
  /**
   * Serve the environment from this origin (`http://127.0.0.1:4010`): every URL of it keeps its
   * path and moves here, and `kit.provider` points there. Needed only for a fixed port; `listen()`
   * without it picks a free port and moves the URLs itself.
   */
  origin?: string
}

export type ConsentAnswer = 'approve' | 'deny'

export interface ConsentOptions {
  /** Scopes the user grants instead of the requested ones (a narrower grant). */
  grantScopes?: string[]
}

export interface ProviderKitListenOptions {
  /** Default: the port of the kit's `origin`, or one the OS chooses. */
  port?: number
  /**
   * Origins of pages allowed to call the kit from a browser (CORS), besides loopback ones
   * (`http://localhost:5173` is always allowed).
   */
  corsOrigins?: readonly string[]
}

/** The kit listening on 127.0.0.1: a real authorization server and API for tests in other processes. */
export interface ProviderKitServer {
  /** `http://127.0.0.1:<port>` */
  origin: string
  /** The provider with the kit's environment at `origin`: give it to the app under test. */
  provider: Provider
  /** Where each part answers, for clients that are not grantflow (curl, another process). */
  endpoints: {
    issuer: string
    authorizationEndpoint?: string
    tokenEndpoint: string
    revocationEndpoint?: string
    /** Discovery-based environments: the metadata document. */
    discoveryUrl?: string
    apiBaseUrl: string
  }
  /** Stops listening and drops open connections. */
  close(): Promise<void>
}

/** A fake authorization server and protected API for one provider environment. */
export interface ProviderKit {
  handlers: RequestHandler[]
  /** The provider the kit serves (at the kit's `origin` when it has one). */
  readonly provider: Provider
  /**
   * Serves the same handlers over HTTP on 127.0.0.1, sharing this kit's memory, faults and counters.
   * Node only.
   *
   * @example
   * const kit = createProviderKit({ provider: hmrc, environment: 'sandbox', api: hmrcVatRoutes() })
   * const server = await kit.listen()
   * // The app's APIs declared with the provider at the server's origin:
   * const vat = defineApi({ id: 'vat', name: 'VAT', provider: server.provider, endpoints })
   * await fetch(`${server.endpoints.tokenEndpoint}`, { method: 'POST' }) // 400 invalid_request
   * await server.close()
   */
  listen(options?: ProviderKitListenOptions): Promise<ProviderKitServer>
  /** How the authorization endpoint answers from now on (default: approve the requested scopes). */
  consent(answer: ConsentAnswer, options?: ConsentOptions): void
  /** Acts as the user: requests the authorization URL and returns the callback URL it redirects to. */
  authorize(authorizationUrl: string): Promise<string>
  /**
   * Every access token issued so far is expired; with `alsoNext`, so are that many of the next
   * ones the kit issues (the API refuses them: 401), e.g. a refresh that succeeds and whose token
   * is refused too.
   *
   * @example
   * kit.expireAccessTokens({ alsoNext: 1 }) // the call's 401, the refresh, and its token refused too
   */
  expireAccessTokens(options?: { alsoNext?: number }): void
  /** Every code, token and grant issued so far is revoked. */
  revokeAll(): void
  fail(fault: KitFault): void
  readonly counters: KitCounters
  readonly requests: readonly KitRequestRecord[]
  /** Forgets codes, tokens, grants, faults, counters and the request log; consent back to approve. */
  reset(): void
}
