import { ConfigurationError } from '../../errors.js'
import { isLoopbackHttp } from './consentCookie.js'
import { BadRequestError } from './problem.js'

// What the handlers read of a request: its form (urlencoded, multipart or JSON) and whether it
// came from the app's own pages.

/** The request's fields as strings: a form's, or a JSON object's string values. */
export async function fieldsOf(request: Request): Promise<Map<string, string>> {
  const type = request.headers.get('content-type') ?? ''
  const fields = new Map<string, string>()
  try {
    if (type.includes('application/json')) {
      const body: unknown = await request.json()
      if (body && typeof body === 'object') for (const [name, value] of Object.entries(body)) if (typeof value === 'string') fields.set(name, value)
    } else if (type.includes('application/x-www-form-urlencoded') || type.includes('multipart/form-data')) {
      for (const [name, value] of await request.formData()) if (typeof value === 'string') fields.set(name, value)
    }
  } catch {
    throw new BadRequestError(400, 'bad_request', 'the request body could not be read')
  }
  return fields
}

/**
 * Refuses any method but POST, and a POST not provably sent by the app's own pages: a form or
 * script of another site, a sibling subdomain (same-site is not same-origin: a page there can
 * disconnect a user or start a consent), or a request that says nothing of where it came from.
 * Fetch Metadata decides where a browser sends it; else the `Origin`, which every browser sends
 * with a POST, must be one of the app's own. A request with neither is refused: a browser that
 * sends neither cannot be told apart from a forged one, and a server-to-server caller can say
 * `Origin` itself.
 */
export function requireOwnOriginPost(request: Request, appOrigins: readonly string[]): void {
  if (request.method !== 'POST') throw new BadRequestError(405, 'method_not_allowed', 'use POST')
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin' && site !== 'none') throw crossSite()
  const origin = request.headers.get('origin')
  // `null` is an opaque origin (a sandboxed frame, a redirect across origins): never the app's.
  if (origin !== null && !appOrigins.includes(origin)) throw crossSite()
  if (site === null && origin === null) throw crossSite()
}

const crossSite = () => new BadRequestError(403, 'cross_site_request', "only the app's own pages can ask for this")

/**
 * The app's origins as configured (`origin` option of the handlers), each a bare origin on https
 * or on loopback http; undefined when none is configured (then the request's own origin serves).
 */
export function appOriginsOf(configured: string | readonly string[] | undefined): readonly string[] | undefined {
  if (configured === undefined) return undefined
  const list = typeof configured === 'string' ? [configured] : configured
  if (!list.length) throw new ConfigurationError("the handlers' `origin` names no origin")
  return list.map((value) => {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw new ConfigurationError(`the handlers' \`origin\` "${value}" is not a URL`)
    }
    if (url.origin !== value.replace(/\/$/, ''))
      throw new ConfigurationError(`the handlers' \`origin\` "${value}" must be an origin alone (scheme, host and port), such as ${url.origin}`)
    if (url.protocol !== 'https:' && !isLoopbackHttp(url))
      throw new ConfigurationError(`the handlers' \`origin\` "${value}" must be https (http only on loopback)`)
    return url.origin
  })
}

/** A field that must be there. */
export function required(fields: Map<string, string>, name: string): string {
  const value = fields.get(name)
  if (!value) throw new BadRequestError(400, 'bad_request', `"${name}" is missing`)
  return value
}
