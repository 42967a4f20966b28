import { http, HttpResponse, type HttpHandler } from 'msw'
import type { KitContext } from './context.js'
import { faultResponse, takeFault } from './faults.js'
import { recordRequest } from './journal.js'
import { compileRoute, matchRoute } from './routes.js'
import { checkAccessToken } from './state.js'
import type { KitRoute, KitRouteContext } from './types.js'

/**
 * The protected API: every route under `apiBaseUrl` behind bearer-token checks (RFC 6750).
 * Requests that match no route fall through to the next handler, so the token endpoint on the
 * same host and a test's own `server.use(...)` handlers keep answering.
 */
export function protectedApiHandler(ctx: KitContext): HttpHandler | undefined {
  if (ctx.routes.length === 0) return undefined
  const base = new URL(ctx.apiBaseUrl)
  const basePath = base.pathname.replace(/\/+$/, '')
  const compiled = ctx.routes.map(compileRoute)
  return http.all(`${base.origin}${basePath}/*`, async ({ request }) => {
    const url = new URL(request.url)
    const match = matchRoute(compiled, request.method, url.pathname.slice(basePath.length))
    if (!match) return undefined
    ctx.journal.counters.apiCalls += 1
    const fault = takeFault(ctx.faults, 'api')
    const response = (fault && (await faultResponse(fault))) ?? (await answerApiRequest(ctx, request, match))
    return recordRequest(ctx.journal, { endpoint: 'api', method: request.method, url: request.url }, response)
  })
}

async function answerApiRequest(ctx: KitContext, request: Request, match: { route: KitRoute; params: Record<string, string> }): Promise<Response> {
  const realm = `realm="${ctx.provider.id}"`
  const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.get('authorization') ?? '')?.[1]
  if (!bearer) {
    return challenge(401, `Bearer ${realm}`, { code: 'MISSING_CREDENTIALS', message: 'Authentication information is not provided' })
  }
  const check = checkAccessToken(ctx.state, bearer, ctx.now())
  const invalidToken = (description: string) =>
    challenge(401, `Bearer ${realm}, error="invalid_token", error_description="${description}"`, {
      code: 'INVALID_CREDENTIALS',
      message: description,
    })
  if (!check.valid) return invalidToken(check.reason)
  const { route } = match
  const grant = check.grant.grantType
  if (route.applicationOnly && grant !== 'client_credentials') {
    return invalidToken('This endpoint needs an application token (client credentials grant)')
  }
  if (route.userOnly && grant === 'client_credentials') return invalidToken("This endpoint needs a user's token")
  const needed = route.scopes ?? []
  if (!needed.every((scope) => check.token.scopes.includes(scope))) {
    return challenge(403, `Bearer ${realm}, error="insufficient_scope", scope="${needed.join(' ')}"`, {
      code: 'INVALID_SCOPE',
      message: `The access token lacks a required scope (needs: ${needed.join(' ')})`,
    })
  }

  const routeContext: KitRouteContext = {
    params: match.params,
    query: new URL(request.url).searchParams,
    body: await readBody(request),
    request,
    token: { clientId: check.token.clientId, scopes: [...check.token.scopes], grant },
    now: ctx.now(),
  }
  const result = await route.respond(routeContext)
  if (result instanceof Response) return result
  if (result === undefined) return new HttpResponse(null, { status: 204 })
  return HttpResponse.json(result as Parameters<typeof HttpResponse.json>[0])
}

function challenge(status: number, wwwAuthenticate: string, body: Record<string, string>): Response {
  return HttpResponse.json(body, { status, headers: { 'www-authenticate': wwwAuthenticate } })
}

async function readBody(request: Request): Promise<unknown> {
  const text = await request.clone().text()
  if (text === '') return undefined
  if (!(request.headers.get('content-type') ?? '').includes('json')) return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
