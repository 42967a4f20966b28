import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import { Hono } from 'hono'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { ConsentRequiredError, createGrantflow, defineClient, hmrc, isGrantflowError, type SessionStore, type SyncPlugin } from '../../src/index.js'
import { createGrantflowHandlers, mountGrantflow, toNodeListener, type GrantflowHandlerOptions } from '../../src/server/index.js'
import { createProviderKit, hmrcVatRoutes, type HmrcVatRoutes, type ProviderKit } from '../../src/testing/index.js'
import { vat, vatReturn, VRN } from '../support/vatWorld.js'

// A server of an app on 127.0.0.1 (node:http, or Hono on @hono/node-server), a fake HMRC from the
// provider kit (in process, through MSW), and browsers that keep their own cookies. Who is signed
// in is the `x-company` header, standing for the app's own session.

export type Adapter = 'node' | 'hono'

export interface ServerWorldOptions {
  adapter?: Adapter
  /** What the runtime saves as `returnTo` with each consent (an app that took it from the request). */
  returnTo?: (request: Request | undefined) => string | undefined
  handlers?: Partial<GrantflowHandlerOptions<Request>>
  store?: SessionStore
  sync?: SyncPlugin[]
  /** Another instance of the same app: its provider, API and redirect URI (which reaches the first). */
  sameAppAs?: { kit: ProviderKit; routes: HmrcVatRoutes; redirectUri: string }
  /** The redirect URI as the provider knows it (default: this server's `/callback`), for an app served behind a proxy. */
  redirectUri?: string
}

export async function serverWorld(msw: ReturnType<typeof setupServer>, options: ServerWorldOptions = {}) {
  const http: Server = createServer()
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const redirectUri = options.sameAppAs?.redirectUri ?? options.redirectUri ?? `${origin}/callback`
  const routes = options.sameAppAs?.routes ?? hmrcVatRoutes()
  const kit =
    options.sameAppAs?.kit ??
    createProviderKit({
      provider: hmrc,
      environment: 'sandbox',
      clients: [{ clientId: 'vat-app', authMethod: 'none', redirectUris: [redirectUri] }],
      api: routes,
    })
  if (!options.sameAppAs) msw.use(...kit.handlers)
  const apiUser = { company: (request: Request) => request.headers.get('x-company') ?? undefined }
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri }) },
    environment: 'sandbox',
    apiUser,
    ...(options.store && { store: options.store }),
    ...(options.sync && { sync: options.sync }),
    ...(options.returnTo && { returnTo: options.returnTo }),
  })
  const handlers = createGrantflowHandlers(grantflow, { apis: { vat }, apiUser, callbackPath: '/callback', ...options.handlers })

  /** The app's own route: submits a VAT return (of `?vrn=`) for the signed-in company, sending it to consent first if need be. */
  const submitReturn = async (request: Request): Promise<Response> => {
    try {
      const vrn = new URL(request.url).searchParams.get('vrn') ?? VRN
      return Response.json(await grantflow.withContext(request).apis.vat.submitReturn({ vrn }, vatReturn()))
    } catch (error) {
      if (error instanceof ConsentRequiredError) return handlers.consentRedirect(error)
      // The app's own error page: what went wrong, as grantflow says it (no token in it).
      if (isGrantflowError(error)) return Response.json(error.toJSON(), { status: 502 })
      throw error
    }
  }
  if (options.adapter === 'hono') {
    const app = new Hono()
    app.post('/returns', (c) => submitReturn(c.req.raw))
    mountGrantflow(app, handlers)
    http.on('request', getRequestListener(app.fetch))
  } else {
    http.on(
      'request',
      toNodeListener((request) => (new URL(request.url).pathname === '/returns' ? submitReturn(request) : handlers.handle(request))),
    )
  }
  const close = () => new Promise<void>((resolve) => http.close(() => resolve()))
  return { origin, redirectUri, kit, routes, grantflow, handlers, close }
}

/**
 * For a test file of server worlds: one MSW server (what it does not handle goes out: the app
 * servers are real) and `open`, a world closed after its test.
 */
export function useServerWorlds() {
  const msw = setupServer()
  beforeAll(() => msw.listen({ onUnhandledRequest: 'bypass' }))
  afterEach(() => msw.resetHandlers())
  afterAll(() => msw.close())
  const worlds: Awaited<ReturnType<typeof serverWorld>>[] = []
  afterEach(async () => {
    await Promise.all(worlds.splice(0).map((world) => world.close()))
  })
  const open = async (options: ServerWorldOptions = {}) => {
    const world = await serverWorld(msw, options)
    worlds.push(world)
    return world
  }
  return { msw, open }
}

interface Cookie {
  value: string
  path: string
}

/** A browser for one signed-in company: keeps the cookies the server sets and sends them back by path. */
export function browser(origin: string, company: string | undefined) {
  const jar = new Map<string, Cookie>()
  const setCookies: string[] = []
  const request = async (url: string, init: RequestInit = {}): Promise<Response> => {
    const target = new URL(url, origin)
    const cookie = [...jar].filter(([, c]) => target.pathname.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`)
    const headers = new Headers(init.headers)
    if (company) headers.set('x-company', company)
    if (cookie.length > 0) headers.set('cookie', cookie.join('; '))
    const response = await fetch(target, { ...init, headers, redirect: 'manual' })
    for (const set of response.headers.getSetCookie()) {
      setCookies.push(set)
      const [pair, ...attributes] = set.split(';').map((part) => part.trim())
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)]
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/'
      if (attributes.some((a) => a.toLowerCase() === 'max-age=0')) jar.delete(name)
      else jar.set(name, { value, path })
    }
    return response
  }
  return {
    request,
    /** Every Set-Cookie header received. */
    setCookies,
    cookies: () => new Map([...jar].map(([name, c]) => [name, c.value])),
    /** A copy of this browser, cookies and all (what an attacker who stole them would hold). */
    clone() {
      const copy = browser(origin, company)
      for (const [name, c] of jar) copy.adopt(name, c)
      return copy
    },
    adopt: (name: string, c: Cookie) => void jar.set(name, c),
    /**
     * Posts a form from one of the app's own pages, as a browser says it (`Origin`, and Fetch
     * Metadata `same-origin`); a header given as `null` is not sent, as by a browser without it.
     */
    post: (path: string, fields: Record<string, string>, headers: Record<string, string | null> = {}) => {
      const sent = { 'content-type': 'application/x-www-form-urlencoded', origin, 'sec-fetch-site': 'same-origin', ...headers }
      const present = Object.entries(sent).filter((entry): entry is [string, string] => entry[1] !== null)
      return request(path, { method: 'POST', body: new URLSearchParams(fields), headers: present })
    },
  }
}
