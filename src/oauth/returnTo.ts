/**
 * The `returnTo` a callback may send the user to: a same-origin path only, so an attacker who
 * crafts an authorization cannot turn the callback route into an open redirect.
 * Returns undefined for anything else (absolute URLs, `//host`, `/\host`, `javascript:`...).
 */
export function safeReturnTo(value: string | undefined): string | undefined {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined
  // Resolve against a throwaway origin: if the path escapes it, it was not a plain path.
  const base = 'https://grantflow.invalid'
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return undefined
  }
  if (url.origin !== base) return undefined
  return url.pathname + url.search + url.hash
}
