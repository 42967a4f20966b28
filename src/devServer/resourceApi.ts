// A protected API as a node:http handler: it accepts only an authorization server's JWT access
// tokens (RFC 9068), checked with oauth4webapi, and refuses as RFC 6750 says.
import type { IncomingMessage, ServerResponse } from 'node:http'
import * as oauth from 'oauth4webapi'
import { compileRoute, matchRoute } from '../testing/routes.js'
import type { KitRoute, KitRouteContext } from '../testing/types.js'
import { describeReceived, type ReceivedRequest } from './receivedRequests.js'
import { parseBody, readText, RequestBodyTooLargeError, sendBodyTooLarge, sendJson, sendResponse, toFetchRequest } from './http.js'

/** What the API did with one request, as its access log would say (never a whole token). */
export interface ServedRequest {
  method: string
  /** The path under the API's base URL. */
  path: string
  status: number
  /** The token's subject and client, when the issuer signed it for this API (also when refused as expired or revoked). */
  sub?: string
  clientId?: string
  /** The validated token's scopes. */
  scopes?: string[]
  /** The validated token's identifier (`jti`), to tell one token from the next. */
  tokenId?: string
  /** The Bearer error it answered with (invalid_token, insufficient_scope). */
  error?: string
  /** What it was sent (headers, query, body), its token masked: once its body was read. */
  received?: ReceivedRequest
}

/** What a route's `respond` sees: the provider kit's route context and the token's claims. */
export interface ResourceRouteContext extends KitRouteContext {
  claims: oauth.JWTAccessTokenClaims
}

/**
 * A route of the API, declared as the provider kit's routes are (`grantflow/testing`), so the
 * kit's HMRC VAT routes serve here unchanged.
 */
export interface ResourceRoute extends Omit<KitRoute, 'respond'> {
  respond: (ctx: ResourceRouteContext) => Response | unknown | Promise<Response | unknown>
}

export interface ResourceApiOptions {
  /** The authorization server whose access tokens are accepted. */
  issuer: string
  /** Its JWKS (default `{issuer}/jwks`, oidc-provider's). */
  jwksUri?: string
  /** The API's base URL: the audience its tokens must name, i.e. its resource indicator (RFC 8707). */
  url: string
  routes: readonly ResourceRoute[]
  /** The realm of its `WWW-Authenticate` challenges (default `api`). */
  realm?: string
  /** How the JWKS is fetched (default the global fetch). */
  fetch?: typeof fetch
  /** The clock routes see (epoch milliseconds). */
  now?: () => number
  /**
   * Why a token the issuer signed is refused all the same (expired or revoked at the provider
   * before its `exp`), or undefined to accept it: answered 401 invalid_token with this description.
   */
  refuseToken?: (claims: oauth.JWTAccessTokenClaims) => string | undefined
  /**
   * Asked before a person's request with a good token is served: an answer to send instead, or
   * `drop` to cut the connection (an injected fault), or undefined to serve it.
   */
  fault?: () => Promise<{ status: number; body: unknown } | 'drop' | undefined>
  /** Told of each request once it is answered. */
  onServed?: (entry: ServedRequest) => void
}

export interface ResourceApi {
  url: string
  /** Every request served, in order. */
  served: ServedRequest[]
  /** Serves one request; `req.url` is the path under `url` (as when mounted with connect's `use`). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
}

/**
 * Serves `routes` to holders of the issuer's JWT access tokens for this API: 401 without a token
 * (a bare challenge) or with an invalid one (`invalid_token`), 403 `insufficient_scope` naming
 * the scopes a route needs, 403 when an application's token calls a user's route or the reverse.
 *
 * @example
 * const api = createResourceApi({ issuer, url: 'http://127.0.0.1:5173/api/local', routes: hmrcVatRoutes() })
 * server.middlewares.use('/api/local', (req, res) => void api.handle(req, res))
 */
export function createResourceApi(options: ResourceApiOptions): ResourceApi {
  const as: oauth.AuthorizationServer = { issuer: options.issuer, jwks_uri: options.jwksUri ?? `${options.issuer}/jwks` }
  const realm = `realm="${options.realm ?? 'api'}"`
  const now = options.now ?? Date.now
  const routes = options.routes.map(compileRoute)
  const served: ServedRequest[] = []
  const validation: oauth.ValidateJWTAccessTokenOptions = {
    ...(as.issuer.startsWith('http:') && { [oauth.allowInsecureRequests]: true }),
    ...(options.fetch && { [oauth.customFetch]: options.fetch }),
  }

  async function serve(req: IncomingMessage, res: ServerResponse, entry: ServedRequest): Promise<void> {
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status
      sendJson(res, status, body, headers)
    }
    const url = new URL(`${options.url.replace(/\/+$/, '')}${req.url ?? '/'}`)
    const text = await readText(req)
    entry.received = describeReceived(req.headers, url, text)
    const match = matchRoute(routes, entry.method, entry.path)
    if (!match) return answer(404, { code: 'MATCHING_RESOURCE_NOT_FOUND', message: 'A resource with the name in the request can not be found in the API' })

    if (!req.headers.authorization) {
      // RFC 6750 §3.1: a request without credentials gets the challenge and no error code.
      return answer(401, { code: 'MISSING_CREDENTIALS', message: 'Authentication information is not provided' }, { 'www-authenticate': `Bearer ${realm}` })
    }
    const request = toFetchRequest(req, url, text)
    let claims: oauth.JWTAccessTokenClaims
    try {
      claims = await oauth.validateJwtAccessToken(as, request, options.url, validation)
    } catch {
      entry.error = 'invalid_token'
      return answer(
        401,
        { code: 'INVALID_CREDENTIALS', message: 'Invalid Authentication information provided' },
        {
          'www-authenticate': `Bearer ${realm}, error="invalid_token"`,
        },
      )
    }
    const scopes = claims.scope?.split(' ').filter(Boolean) ?? []
    // Whose token it is, even when refused below: the log tells the application's calls apart.
    Object.assign(entry, { sub: claims.sub, clientId: claims.client_id, scopes, tokenId: claims.jti })
    const refusal = options.refuseToken?.(claims)
    if (refusal) {
      entry.error = 'invalid_token'
      return answer(
        401,
        { code: 'INVALID_CREDENTIALS', message: 'Invalid Authentication information provided' },
        {
          'www-authenticate': `Bearer ${realm}, error="invalid_token", error_description="${refusal}"`,
        },
      )
    }

    // A client credentials token is the client's own: its subject is the client.
    const application = claims.sub === claims.client_id
    const { route } = match
    if ((route.applicationOnly && !application) || (route.userOnly && application)) {
      return answer(403, {
        code: 'CLIENT_OR_AGENT_NOT_AUTHORISED',
        message: route.applicationOnly ? 'This endpoint needs the application’s own token (client credentials)' : 'This endpoint needs a user’s token',
      })
    }
    const needed = route.scopes ?? []
    if (!needed.every((scope) => scopes.includes(scope))) {
      entry.error = 'insufficient_scope'
      return answer(
        403,
        { code: 'INVALID_SCOPE', message: `The access token lacks a required scope (needs: ${needed.join(' ')})` },
        {
          'www-authenticate': `Bearer ${realm}, error="insufficient_scope", scope="${needed.join(' ')}"`,
        },
      )
    }

    const fault = application ? undefined : await options.fault?.()
    if (fault === 'drop') {
      res.destroy()
      return
    }
    if (fault) return answer(fault.status, fault.body)

    const result = await route.respond({
      params: match.params,
      query: url.searchParams,
      body: parseBody(text, req.headers['content-type']),
      request,
      token: { clientId: claims.client_id, scopes, grant: application ? 'client_credentials' : 'authorization_code' },
      now: now(),
      claims,
    })
    if (result instanceof Response) {
      entry.status = result.status
      return sendResponse(res, result)
    }
    if (result === undefined) {
      entry.status = 204
      res.writeHead(204, { 'cache-control': 'no-store' }).end()
      return
    }
    return answer(200, result)
  }

  return {
    url: options.url,
    served,
    async handle(req, res) {
      const entry: ServedRequest = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://api').pathname, status: 0 }
      served.push(entry)
      try {
        await serve(req, res, entry)
      } catch (error) {
        if (res.headersSent) res.destroy()
        else if (error instanceof RequestBodyTooLargeError) {
          entry.status = 413
          sendBodyTooLarge(res, error)
        } else {
          entry.status = 500
          sendJson(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' })
        }
      } finally {
        options.onServed?.(entry)
      }
    },
  }
}
