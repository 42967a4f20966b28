import { BadRequestError } from './problem.js'

// What the handlers read of a request: its form (urlencoded, multipart or JSON) and whether it
// came from another site.

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

/** Refuses what only a same-site page may ask for (a form another site posts on the user's behalf), and any method but POST. */
export function requireSameSitePost(request: Request): void {
  if (request.method !== 'POST') throw new BadRequestError(405, 'method_not_allowed', 'use POST')
  // Sent by every current browser; a request without it (a script, a test) is not a browser's cross-site one.
  if (request.headers.get('sec-fetch-site') === 'cross-site') throw new BadRequestError(403, 'cross_site_request', 'another site cannot ask for this')
}

/** A field that must be there. */
export function required(fields: Map<string, string>, name: string): string {
  const value = fields.get(name)
  if (!value) throw new BadRequestError(400, 'bad_request', `"${name}" is missing`)
  return value
}
