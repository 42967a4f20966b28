/** The form body of a POST, or undefined when it is not `application/x-www-form-urlencoded`. */
export async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  const type = request.headers.get('content-type') ?? ''
  if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined
  return new URLSearchParams(await request.text())
}

/** Names of parameters that appear more than once (RFC 6749 §3.2: each at most once). */
export function repeatedParameters(form: URLSearchParams): string[] {
  const names = [...form.keys()]
  return [...new Set(names.filter((name, index) => names.indexOf(name) !== index))]
}
