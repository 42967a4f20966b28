import type { RetryOptions } from '../oauth/retry.js'
import type { Provider } from './provider.js'

/** Which kind of API user a call is made for; `application` is the app itself (client credentials). */
export type ApiUserKind = 'user' | 'company' | 'employee' | 'application'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

/** `'/vat/{vrn}/returns/{periodKey}'` → `'vrn' | 'periodKey'` */
export type PathParamNames<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}` ? Name | PathParamNames<Rest> : never

/** A query parameter's value, as it is written into the URL. */
export type QueryValue = string | number | boolean | null | undefined

/**
 * A call's parameters: the path's, required strings, and the query parameters the endpoint declares
 * (`query: shape<...>()`), sent as the query string. Nothing else: a misspelt or undeclared key fails
 * to compile. An endpoint that declares no query takes only its path parameters.
 */
export type EndpointParams<Path extends string, Query = unknown> = [PathParamNames<Path>] extends [never]
  ? NoQuery<Query> extends true
    ? Record<string, never>
    : Query
  : { [K in PathParamNames<Path>]: string } & (NoQuery<Query> extends true ? unknown : Query)

/** Whether an endpoint declares no query: nothing (`never`, `unknown`) or an object with no keys. */
type NoQuery<Query> = [Query] extends [never] ? true : unknown extends Query ? true : [keyof Query] extends [never] ? true : false

/** Turns the JSON an API returned into the endpoint's result type; may validate and throw. */
export type Parser<T> = (value: unknown) => T

export interface Endpoint<Params = unknown, Body = unknown, Result = unknown> {
  method: HttpMethod
  path: string
  /** Scopes the call needs; consent asks for these (plus what the session already holds). */
  scopes: readonly string[]
  apiUser: ApiUserKind
  parseResult: Parser<Result>
  /** This endpoint's call timeout, when it differs from the runtime's `apiTimeoutMs`. */
  timeoutMs?: number
  /** Whether a transient failure of this (GET) endpoint is retried, overriding the runtime's `retry.getCalls`. */
  retry?: boolean | RetryOptions
  /** Phantom fields carrying the types; never set at runtime. */
  readonly __params?: Params
  readonly __body?: Body
}

export interface EndpointOptions<Path extends string, Query, Body, Result, Method extends HttpMethod = HttpMethod> {
  method: Method
  path: Path
  scopes?: readonly string[]
  apiUser?: ApiUserKind
  /** Validates the response body; `shape<T>()` only casts. */
  result?: Parser<Result>
  /** Carries the body type; `shape<T>()` is enough. */
  body?: Parser<Body>
  /** Carries the query parameters' type; `shape<T>()` is enough. */
  query?: Parser<Query>
  /**
   * How long a call may take, the whole answer included, before it fails with
   * ProviderUnreachableError (reason `timeout`); default the runtime's `apiTimeoutMs` (30 s).
   */
  timeoutMs?: number
  /**
   * Retry transient failures (network, timeout, 408/429/502/503/504, honouring Retry-After):
   * `true` with the runtime's policy, or a policy of its own; `false` even when the runtime's
   * `retry.getCalls` is on. GET endpoints only (the type refuses it on others): a request that
   * changes something may have been processed before it failed, so it is never sent twice.
   */
  retry?: [Method] extends ['GET'] ? boolean | RetryOptions : never
}

/**
 * A type-only parser: says what a body or result looks like without checking it.
 * Pass a real validator (zod's `schema.parse`, ...) where the data must be checked.
 */
export function shape<T>(): Parser<T> {
  return (value) => value as T
}

/**
 * Declares an endpoint. Path parameters are typed from the template.
 *
 * @example
 * const obligations = defineEndpoint({
 *   method: 'GET',
 *   path: '/organisations/vat/{vrn}/obligations',
 *   scopes: ['read:vat'],
 *   apiUser: 'company',
 *   query: shape<{ from: string; to: string }>(),
 *   result: shape<{ obligations: Obligation[] }>(),
 * })
 */
export function defineEndpoint<
  Path extends string,
  Query extends { [K in keyof Query]: QueryValue } = never,
  Body = undefined,
  Result = unknown,
  Method extends HttpMethod = HttpMethod,
>(
  options: EndpointOptions<Path, Query, Body, Result, Method>,
): Endpoint<
  EndpointParams<Path, Query>,
  // An endpoint declared without `body` takes none (TypeScript infers `unknown` when nothing says).
  unknown extends Body ? undefined : Body,
  Result
> {
  if (!options.path.startsWith('/')) throw new TypeError(`endpoint path must start with "/": ${options.path}`)
  return {
    method: options.method,
    path: options.path,
    scopes: options.scopes ?? [],
    apiUser: options.apiUser ?? 'user',
    parseResult: options.result ?? shape<Result>(),
    timeoutMs: options.timeoutMs,
    retry: options.retry,
  }
}

export interface Api<Endpoints extends Record<string, Endpoint> = Record<string, Endpoint>> {
  id: string
  /** What the API is, as a user would read it on a consent screen: "VAT (Making Tax Digital)". */
  name: string
  provider: Provider
  endpoints: Endpoints
}

/**
 * Declares an API: a provider and its endpoints.
 *
 * @example
 * const vat = defineApi({ id: 'vat', name: 'VAT', provider: hmrc, endpoints: { obligations } })
 */
export function defineApi<Endpoints extends Record<string, Endpoint>>(api: Api<Endpoints>): Api<Endpoints> {
  if (!api.id) throw new TypeError('defineApi: id is required')
  return api
}

/** The kinds of person (every kind but the application) the APIs' endpoints are called for. */
export function personKindsOf(apis: Record<string, Api>): Exclude<ApiUserKind, 'application'>[] {
  const kinds = new Set<Exclude<ApiUserKind, 'application'>>()
  for (const api of Object.values(apis))
    for (const endpoint of Object.values(api.endpoints)) if (endpoint.apiUser !== 'application') kinds.add(endpoint.apiUser)
  return [...kinds]
}
