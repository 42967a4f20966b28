// The cookie that binds a pending authorization to the browser sent to the provider: it holds
// the authorization's `binding`, which only that browser then has (HttpOnly: no script reads it;
// SameSite=Lax: the provider's top-level redirect back brings it, a cross-site request does not).
// One per authorization, named after its `state`, so two consents under way in one browser
// (two APIs, two tabs) do not overwrite each other's.

export interface ConsentCookieOptions {
  /** Base of the cookie's name (default `grantflow-consent`); the authorization's state follows it. */
  name?: string
  /** How long the cookie lives, in seconds (default 600: a pending authorization's lifetime). */
  maxAgeSeconds?: number
}

const DEFAULT_NAME = 'grantflow-consent'
const DEFAULT_MAX_AGE_SECONDS = 600
/** What a state may look like to name a cookie (oauth4webapi's are base64url); anything else binds nothing. */
const STATE_SHAPE = /^[A-Za-z0-9_-]{1,256}$/
/** The prefix browsers keep for cookies set Secure from a secure origin (RFC 6265bis). */
const SECURE_PREFIX = '__Secure-'

/**
 * Whether a URL is plain http on this machine, the only place a cookie may go without Secure (a
 * developer's http://localhost:3000/callback). Anything else gets Secure, so the binding never
 * crosses a network in clear.
 */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]')
}

/** The Set-Cookie header that keeps `binding` for the callback at `redirectUri`. */
export function consentCookie(state: string, binding: string, redirectUri: URL | undefined, options: ConsentCookieOptions = {}): string {
  // Sent only to the callback route: no other route of the app ever sees the binding.
  const secure = !redirectUri || !isLoopbackHttp(redirectUri)
  const attributes = [
    `${cookieName(state, secure, options)}=${binding}`,
    `Path=${redirectUri?.pathname ?? '/'}`,
    `Max-Age=${options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ]
  return attributes.join('; ')
}

/** The Set-Cookie headers that forget the cookie of `state` at the callback route, whichever way it was set. */
export function clearedConsentCookies(state: string, callbackUrl: URL, options: ConsentCookieOptions = {}): string[] {
  const secure = !isLoopbackHttp(callbackUrl)
  return [true, false].map(
    (prefixed) =>
      `${cookieName(state, prefixed, options)}=; Path=${callbackUrl.pathname}; Max-Age=0; HttpOnly; SameSite=Lax${prefixed || secure ? '; Secure' : ''}`,
  )
}

/**
 * The binding the browser bringing a callback of `state` holds, if any. On https only the
 * `__Secure-` name counts: a browser keeps that name for cookies set Secure by a secure origin,
 * while the plain name can be planted by a sibling subdomain or a network attacker over http.
 * `callbackUrl` is the callback as the browser reached it (the app's public origin).
 */
export function bindingFromCookies(request: Request, state: string, callbackUrl: URL, options: ConsentCookieOptions = {}): string | undefined {
  if (!STATE_SHAPE.test(state)) return undefined
  const cookies = parseCookies(request.headers.get('cookie'))
  return cookies.get(cookieName(state, !isLoopbackHttp(callbackUrl), options))
}

/** Whether a state can name a cookie (else none is set, and its callback is refused). */
export function canNameCookie(state: string): boolean {
  return STATE_SHAPE.test(state)
}

function cookieName(state: string, secure: boolean, options: ConsentCookieOptions): string {
  return `${secure ? SECURE_PREFIX : ''}${options.name ?? DEFAULT_NAME}.${state}`
}

function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const part of header?.split(';') ?? []) {
    const at = part.indexOf('=')
    if (at > 0) cookies.set(part.slice(0, at).trim(), part.slice(at + 1).trim())
  }
  return cookies
}
