/**
 * A user at the provider, by HTTP only: what a browser does with oidc-provider's development
 * login and consent pages (GET, follow redirects, keep cookies, submit forms, follow the Cancel
 * link), never reaching into the provider's internals.
 */

export interface LoginAndConsentOptions {
  /** The account to sign in as (any login is accepted); default `alice`. */
  login?: string
  /** Cancel on the consent page: the provider sends the user back with access_denied. */
  deny?: boolean
  /**
   * The browser's cookies, kept across calls: with the same jar, a second authorization finds the
   * user signed in at the provider. Default: a fresh jar (a browser that never met the provider).
   */
  cookieJar?: CookieJar
}

/** A page the provider showed the user. */
export interface ShownPage {
  kind: 'login' | 'consent'
  url: string
  /** The scopes the consent page asks the user for (those not granted yet), once each. */
  scopes: string[]
}

export interface Browser {
  /** Every page of the provider the user was shown, in order. */
  pages: ShownPage[]
  /** Follows an authorization URL to the callback URL the provider sends the user back to. */
  loginAndConsent(authorizationUrl: string, options?: LoginAndConsentOptions): Promise<string>
}

const MAX_STEPS = 20

/**
 * A browser with its own cookies (or those of `cookieJar`): a second authorization in the same
 * browser finds the user signed in at the provider (no login page), as it would in real life.
 *
 * @example
 * const browser = createBrowser()
 * const callbackUrl = await browser.loginAndConsent(authorizationUrl)
 * expect(browser.pages.map((p) => p.kind)).toEqual(['login', 'consent'])
 */
export function createBrowser(cookieJar = new CookieJar()): Browser {
  const pages: ShownPage[] = []

  async function loginAndConsent(authorizationUrl: string, options: LoginAndConsentOptions = {}): Promise<string> {
    const cookies = options.cookieJar ?? cookieJar
    const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri')
    if (!redirectUri) throw new Error('the authorization URL has no redirect_uri')
    let request: { url: string; method: 'GET' | 'POST'; form?: URLSearchParams } = { url: authorizationUrl, method: 'GET' }

    for (let step = 0; step < MAX_STEPS; step++) {
      const response = await fetch(request.url, {
        method: request.method,
        redirect: 'manual',
        headers: {
          accept: 'text/html',
          ...(cookies.header(request.url) && { cookie: cookies.header(request.url)! }),
          ...(request.form && { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(request.form && { body: request.form.toString() }),
      })
      cookies.store(request.url, response.headers.getSetCookie())

      if (response.status >= 300 && response.status < 400) {
        const location = new URL(response.headers.get('location') ?? '', request.url).href
        await response.body?.cancel()
        if (isRedirectUri(location, redirectUri)) return location
        request = { url: location, method: 'GET' }
        continue
      }
      const html = await response.text()
      if (response.status !== 200)
        throw new Error(`the provider answered ${response.status} at ${new URL(request.url).pathname}: ${textOf(html).slice(0, 300)}`)
      const form = readForm(html, request.url)
      if (!form) throw new Error(`no form on the provider's page at ${new URL(request.url).pathname}: ${textOf(html).slice(0, 300)}`)

      if (form.fields.get('prompt') === 'login') {
        pages.push({ kind: 'login', url: request.url, scopes: [] })
        form.fields.set('login', options.login ?? 'alice')
        form.fields.set('password', 'any password')
        request = { url: form.action, method: 'POST', form: form.fields }
      } else if (form.fields.get('prompt') === 'consent') {
        pages.push({ kind: 'consent', url: request.url, scopes: listedScopes(html) })
        if (options.deny) {
          const cancel = readLink(html, '[ Cancel ]', request.url)
          if (!cancel) throw new Error('no Cancel link on the consent page')
          request = { url: cancel, method: 'GET' }
        } else {
          request = { url: form.action, method: 'POST', form: form.fields }
        }
      } else {
        throw new Error(`an unexpected form at ${new URL(request.url).pathname} (prompt=${form.fields.get('prompt')})`)
      }
    }
    throw new Error(`no redirect to ${redirectUri} after ${MAX_STEPS} steps`)
  }

  return { pages, loginAndConsent }
}

/**
 * Signs in and consents (or cancels) in a fresh browser, or in the one whose cookies are given,
 * and returns the callback URL the provider sends the user back to.
 *
 * @example
 * const callbackUrl = await loginAndConsent(error.authorizationUrl, { login: 'alice' })
 * await grantflow.completeAuthorization(callbackUrl)
 */
export function loginAndConsent(authorizationUrl: string, options: LoginAndConsentOptions = {}): Promise<string> {
  return createBrowser(options.cookieJar).loginAndConsent(authorizationUrl, options)
}

function isRedirectUri(location: string, redirectUri: string): boolean {
  const url = new URL(location)
  return url.origin + url.pathname === new URL(redirectUri).href.replace(/[?#].*$/, '')
}

/** The page's form: its action and the fields it would submit as they are (hidden inputs). */
function readForm(html: string, base: string): { action: string; fields: URLSearchParams } | undefined {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html)
  if (!form) return undefined
  const action = attribute(form[1]!, 'action')
  const fields = new URLSearchParams()
  for (const [, input] of form[2]!.matchAll(/<input\b([^>]*)>/gi)) {
    const name = attribute(input!, 'name')
    if (name) fields.set(name, attribute(input!, 'value') ?? '')
  }
  return { action: new URL(action ?? base, base).href, fields }
}

function readLink(html: string, text: string, base: string): string | undefined {
  for (const [, attributes, label] of html.matchAll(/<a\b([^>]*)>([^<]*)<\/a>/gi)) {
    const href = attribute(attributes!, 'href')
    if (href && decode(label!).trim() === text) return new URL(href, base).href
  }
  return undefined
}

/** The consent page's list items that are scope names (not headings such as "scopes:" or a resource URL). */
function listedScopes(html: string): string[] {
  const items = [...html.matchAll(/<li>([^<]*)<\/li>/gi)].map(([, item]) => decode(item!).trim())
  return [...new Set(items.filter((item) => /^[\w:.-]+$/.test(item) && !item.endsWith(':')))]
}

function attribute(attributes: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(attributes)
  return match ? decode(match[1]!) : undefined
}

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([\da-f]+);/gi, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

function textOf(html: string): string {
  return decode(html.replace(/<style[\s\S]*?<\/style>/gi, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
}

/**
 * Cookies as a browser keeps them for one host: by name and path, dropped when they expire.
 *
 * @example
 * const cookieJar = new CookieJar()
 * await loginAndConsent(firstUrl, { cookieJar }) // signs in
 * await loginAndConsent(secondUrl, { cookieJar }) // already signed in: consent only
 */
export class CookieJar {
  #cookies = new Map<string, { name: string; value: string; path: string; expires?: number }>()

  store(url: string, setCookies: string[]) {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';')
      const eq = pair!.indexOf('=')
      if (eq < 1) continue
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      let path = defaultPath(url)
      let expires: number | undefined
      for (const attr of attributes) {
        const [key, ...rest] = attr.split('=')
        const attrValue = rest.join('=').trim()
        switch (key!.trim().toLowerCase()) {
          case 'path':
            if (attrValue.startsWith('/')) path = attrValue
            break
          case 'max-age':
            expires = Date.now() + Number(attrValue) * 1000
            break
          case 'expires':
            expires ??= Date.parse(attrValue)
            break
        }
      }
      const key = `${name};${path}`
      if (expires !== undefined && expires <= Date.now()) this.#cookies.delete(key)
      else this.#cookies.set(key, { name, value, path, ...(expires !== undefined && { expires }) })
    }
  }

  header(url: string): string | undefined {
    const { pathname } = new URL(url)
    const now = Date.now()
    const matching = [...this.#cookies.values()]
      .filter((c) => (c.expires === undefined || c.expires > now) && pathMatches(pathname, c.path))
      // Longer paths first (RFC 6265 §5.4).
      .sort((a, b) => b.path.length - a.path.length)
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }
}

function defaultPath(url: string): string {
  const { pathname } = new URL(url)
  const slash = pathname.lastIndexOf('/')
  return slash > 0 ? pathname.slice(0, slash) : '/'
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true
  if (!requestPath.startsWith(cookiePath)) return false
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/'
}
