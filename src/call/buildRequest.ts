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
  const template = compiled(endpoint)
  let path = template.parts[0]!
  for (let i = 0; i < template.names.length; i++) {
    const name = template.names[i]!
    const value = params[name]
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`missing path parameter "${name}" for ${endpoint.method} ${endpoint.path}`)
    }
    const segment = encodeURIComponent(String(value))
    // A URL resolves `.` and `..` away (encoding does not stop it): the call would go elsewhere.
    if (segment === '.' || segment === '..') throw new TypeError(`path parameter "${name}" cannot be "${segment}"`)
    path += segment + template.parts[i + 1]!
  }
  const base = environment.apiBaseUrl.endsWith('/') ? environment.apiBaseUrl.slice(0, -1) : environment.apiBaseUrl
  const url = new URL(base + path)
  for (const name in params) {
    const value = params[name]
    if (!template.names.includes(name) && value !== undefined && value !== null) url.searchParams.set(name, String(value))
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

interface CompiledPath {
  /** The literal pieces around the parameters: always one more than `names`. */
  parts: string[]
  names: string[]
}

const compiledPaths = new WeakMap<Endpoint, CompiledPath>()

/** An endpoint's path template split once, not on every call (the happy path is measured). */
function compiled(endpoint: Endpoint): CompiledPath {
  let template = compiledPaths.get(endpoint)
  if (!template) {
    const pieces = endpoint.path.split(/\{([^}]+)\}/)
    template = { parts: pieces.filter((_, i) => i % 2 === 0), names: pieces.filter((_, i) => i % 2 === 1) }
    compiledPaths.set(endpoint, template)
  }
  return template
}
