import { request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll } from 'vitest'
import { createServer, type ServerOptions, type ViteDevServer } from 'vite'
import { embeddedProvider, type EmbeddedProviderOptions } from '../../src/devServer/embeddedProvider.js'
import { createGrantflow, defineApi, defineClient, defineProvider, hmrc, type ConsentNavigator, type GrantflowOptions } from '../../src/index.js'
import { vat, vatReturn } from '../support/vatWorld.js'
import { CookieJar } from '../support/interact.js'

export const COMPANY = { kind: 'company', id: 'acme-trading' } as const
export const VRN = '123456789'

export interface DevServer {
  /** `http://127.0.0.1:{port}` */
  origin: string
  issuer: string
  apiUrl: string
  /** The origins the plugin made a provider for so far. */
  origins: () => string[]
}

/**
 * A real Vite dev server with only the embedded provider plugin, on 127.0.0.1 and a port from the
 * OS, for the tests of one file (or one describe block); closed after them. `serverOptions` are
 * Vite's `server` options on top (`allowedHosts`...).
 */
export function useDevServer(options: EmbeddedProviderOptions = {}, serverOptions: ServerOptions = {}): () => DevServer {
  let vite: ViteDevServer | undefined
  let server: DevServer | undefined
  beforeAll(async () => {
    const plugin = embeddedProvider(options)
    vite = await createServer({
      configFile: false,
      root: import.meta.dirname,
      logLevel: 'warn',
      plugins: [plugin],
      server: { ...serverOptions, host: '127.0.0.1', port: 0 },
      // No page here: nothing for Vite to discover or pre-bundle.
      optimizeDeps: { noDiscovery: true, include: [] },
    })
    await vite.listen()
    const origin = `http://127.0.0.1:${(vite.httpServer!.address() as AddressInfo).port}`
    server = { origin, issuer: `${origin}/oidc`, apiUrl: `${origin}/api/local`, origins: plugin.api.origins }
  })
  afterAll(async () => {
    await vite?.close()
  })
  return () => {
    if (!server) throw new Error('the dev server is not started yet (call it inside a test)')
    return server
  }
}

/** What {@link rawRequest} heard: the status, the headers and the body (JSON when it is JSON). */
export interface RawAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: unknown
}

/**
 * A request by node:http, with headers fetch would not send as given (Host, Origin, Sec-Fetch-Site)
 * and a body sent as it is, or in chunks (no Content-Length) when it is an array.
 */
export function rawRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | string[] } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sending = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text.startsWith('{') ? JSON.parse(text) : text }))
    }).on('error', reject)
    for (const chunk of Array.isArray(init.body) ? init.body : init.body === undefined ? [] : [init.body]) sending.write(chunk)
    sending.end()
  })
}

/** A page the user was shown at the provider. */
export interface SeenPage {
  kind: 'login' | 'consent'
  url: string
  html: string
}

export interface SignInOptions {
  login?: string
  password?: string
  /** What the user answers on the consent page (default `allow`). */
  answer?: 'allow' | 'cancel'
}

/**
 * A user in a browser with its own cookies, at the embedded provider's own pages, by HTTP only:
 * follows redirects, signs in with the login form, presses Allow or Cancel, and stops at the
 * redirect URI.
 *
 * @example
 * const browser = createSignInBrowser()
 * const callbackUrl = await browser.signInAndConsent(authorizationUrl, { login: 'demo', password: 'demo' })
 */
export function createSignInBrowser(cookies = new CookieJar()) {
  const pages: SeenPage[] = []
  /** The redirects back to the app (code and state in them), to prove no log shows them. */
  const callbacks: string[] = []

  async function signInAndConsent(authorizationUrl: string, options: SignInOptions = {}): Promise<string> {
    const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri')!
    let request: { url: string; form?: URLSearchParams } = { url: authorizationUrl }
    for (let step = 0; step < 20; step++) {
      const response = await fetch(request.url, {
        method: request.form ? 'POST' : 'GET',
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
        const location = new URL(response.headers.get('location')!, request.url).href
        await response.body?.cancel()
        if (location.split('?')[0] === redirectUri) {
          callbacks.push(location)
          return location
        }
        request = { url: location }
        continue
      }
      const html = await response.text()
      const forms = readForms(html, request.url)
      const login = forms.find((form) => form.inputs.includes('password'))
      if (response.status === 200 && login) {
        pages.push({ kind: 'login', url: request.url, html })
        request = { url: login.action, form: new URLSearchParams({ login: options.login ?? 'demo', password: options.password ?? 'demo' }) }
        continue
      }
      const button = options.answer === 'cancel' ? 'Cancel' : 'Allow'
      const consent = forms.find((form) => form.button === button)
      if (response.status === 200 && consent) {
        pages.push({ kind: 'consent', url: request.url, html })
        request = { url: consent.action, form: new URLSearchParams() }
        continue
      }
      throw new Error(`the provider answered ${response.status} at ${new URL(request.url).pathname}: ${textOf(html).slice(0, 300)}`)
    }
    throw new Error(`no redirect to ${redirectUri} after 20 steps`)
  }

  return { pages, callbacks, signInAndConsent }
}

/** The page's forms: where each posts, the names of its inputs and its button's label. */
export function readForms(html: string, base: string): Array<{ action: string; inputs: string[]; button: string }> {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, attributes, body]) => ({
    action: new URL(/\baction="([^"]*)"/.exec(attributes!)?.[1] ?? base, base).href,
    inputs: [...body!.matchAll(/<input\b[^>]*\bname="([^"]*)"/gi)].map(([, name]) => name!),
    button: textOf(/<button\b[^>]*>([\s\S]*?)<\/button>/i.exec(body!)?.[1] ?? ''),
  }))
}

/** What the page says, as a user reads it. */
export function textOf(html: string): string {
  return html
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/\s+/g, ' ')
    .trim()
}

/** Ledgerline's VAT API as the demo would declare it against the embedded provider. */
export function vatApi({ issuer, apiUrl }: DevServer) {
  const local = defineProvider({
    id: 'local',
    name: 'Local VAT Gateway',
    environments: { local: { authorizationServer: { issuer, discovery: 'oidc' }, apiBaseUrl: apiUrl } },
    // HMRC's media type and fraud-prevention headers: the embedded VAT API checks them as HMRC does.
    prepareApiRequest: hmrc.prepareApiRequest!,
  })
  // The endpoints the runtime tests declare against the provider kit's HMRC, on this provider.
  return defineApi({ ...vat, provider: local })
}

/** The app's grantflow, and a user who answers at the embedded provider's own pages. */
export function ledgerline(dev: DevServer, user: SignInOptions = {}, options: Pick<GrantflowOptions<never>, 'retry'> & { redirectUri?: string } = {}) {
  const { redirectUri = `${dev.origin}/callback`, ...grantflowOptions } = options
  const browser = createSignInBrowser()
  const navigator: ConsentNavigator = {
    mode: 'custom',
    async open(url) {
      const callback = await browser.signInAndConsent(url, user)
      await grantflow.completeAuthorization(callback).catch(() => undefined)
    },
  }
  const grantflow = createGrantflow({
    apis: { vat: vatApi(dev) },
    clients: { local: defineClient({ clientId: 'ledgerline-web', redirectUri }) },
    environment: 'local',
    apiUser: { company: () => COMPANY.id },
    navigator,
    ...grantflowOptions,
  })
  return { grantflow, browser }
}

/** A nine-box return for a period (net VAT due 750). */
export const nineBoxes = vatReturn
