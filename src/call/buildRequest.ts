import type { Endpoint } from '../model/api.js'
import type { ApiRequest, Environment, Provider } from '../model/provider.js'

/**
 * The HTTP request for one endpoint call: path parameters filled in (encoded, so a value cannot
 * change the path), other parameters as the query string, the body as JSON, then the provider's
 * own shaping (HMRC's media type and fraud-prevention headers).
 */
export function buildApiRequest(
  provider: Provider,
  environment: Environment,
  endpoint: Endpoint,
  params: Record<string, unknown> = {},
  body?: unknown,
): ApiRequest {
  const used = new Set<string>()
  const path = endpoint.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name]
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`missing path parameter "${name}" for ${endpoint.method} ${endpoint.path}`)
    }
    used.add(name)
    return encodeURIComponent(String(value))
  })
  const base = environment.apiBaseUrl.endsWith('/') ? environment.apiBaseUrl.slice(0, -1) : environment.apiBaseUrl
  const url = new URL(base + path)
  for (const [name, value] of Object.entries(params)) {
    if (!used.has(name) && value !== undefined && value !== null) url.searchParams.set(name, String(value))
  }
  const headers = new Headers({ accept: 'application/json' })
  const request: ApiRequest = { method: endpoint.method, url, headers }
  if (body !== undefined) {
    headers.set('content-type', 'application/json')
    request.body = JSON.stringify(body)
  }
  provider.prepareApiRequest?.(request)
  return request
}
