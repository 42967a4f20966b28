/**
 * The `returnTo` a callback may send the user to: a same-origin path only, so an attacker who
 * crafts an authorization cannot turn the callback route into an open redirect.
 * Returns the path as the URL parser normalises it (`/a/../b` is `/b`), which is safe to use as a
 * Location header or with `location.assign` as it is; undefined for anything else (absolute URLs,
 * `//host`, `/\host`, `javascript:`, and paths that only become `//host` once normalised, such as
 * `/.//host`, `/%2e%2e/\host` or `/\t/host`).
 *
 * @example
 * safeReturnTo('/returns/./new?period=18A1') // '/returns/new?period=18A1'
 * safeReturnTo('/a/..//evil.example') // undefined
 */
export function safeReturnTo(value: string | undefined): string | undefined {
  // Control characters (the parser silently drops tabs and newlines) and backslashes (read as `/`)
  // are how a string that looks like a path turns into another host; no app path needs either.
  if (!value?.startsWith('/') || UNSAFE_CHARACTER.test(value)) return undefined
  const path = normalisedPath(value)
  // Checked on what is returned, not on the input: dot segments can leave `//host` behind. The
  // returned path must also read the same when parsed again, so nothing downstream sees another.
  if (!path || path.startsWith('//') || ENCODED_SEPARATOR.test(path.split(/[?#]/)[0]!) || normalisedPath(path) !== path) return undefined
  return path
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f\\]/
/** An encoded slash or backslash in the path: a server that decodes the path before redirecting reads a separator. */
const ENCODED_SEPARATOR = /%(2f|5c)/i

/** `value` resolved as a path on a throwaway origin; undefined if it escapes that origin. */
function normalisedPath(value: string): string | undefined {
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
