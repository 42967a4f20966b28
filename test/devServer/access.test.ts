import { createServer as createHttpServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer, type ViteDevServer } from 'vite'
import { embeddedProvider, MAX_ORIGINS } from '../../src/devServer/embeddedProvider.js'
import { rawRequest, useDevServer } from './devServer.js'

// Who reaches the embedded provider, observed over HTTP: this machine's peers only, at origins the
// plugin knows (a bounded number of providers), the control and server routes for their own
// origin's pages only.

/** Every route the plugin mounts, as a client would first ask it. */
const ROUTES = [
  '/oidc/.well-known/openid-configuration',
  '/oidc/auth?client_id=ledgerline-web&response_type=code',
  '/oidc/interaction/some-uid',
  '/api/local/organisations/vat/123456789/obligations',
  '/api/app/session',
  '/__embedded/records',
]

/**
 * The plugin in a Vite middleware-mode server behind node:http servers of our own, each on
 * 127.0.0.1 at a port of the OS's, whose sockets may claim another peer address: how a request
 * from another machine looks to the plugin, without another machine.
 */
function useMiddlewareVite() {
  const plugin = embeddedProvider()
  let vite: ViteDevServer | undefined
  const servers: Server[] = []
  beforeAll(async () => {
    vite = await createServer({
      configFile: false,
      root: import.meta.dirname,
      logLevel: 'warn',
      appType: 'custom',
      plugins: [plugin],
      server: { middlewareMode: true, ws: false },
      optimizeDeps: { noDiscovery: true, include: [] },
    })
  })
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    await vite?.close()
  })
  /** Listens once more; `peerAddress` is what each connection's remoteAddress then says. */
  async function listen(peerAddress?: string): Promise<string> {
    const server = createHttpServer(vite!.middlewares)
    if (peerAddress) server.on('connection', (socket: Socket) => Object.defineProperty(socket, 'remoteAddress', { value: peerAddress }))
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }
  return { plugin, listen }
}

describe('a peer on another machine (the dev server run with --host)', () => {
  const dev = useMiddlewareVite()

  it('gets 403 from every route, preflights too, with a loopback Host, and no provider is made for it', async () => {
    const origin = await dev.listen('203.0.113.7')
    const refused = { status: 403, body: { code: 'NOT_LOOPBACK', message: 'The embedded provider answers requests from this machine only' } }
    for (const path of ROUTES) {
      const answer = await rawRequest(`${origin}${path}`, { headers: { 'x-forwarded-for': '127.0.0.1' } })
      expect(answer, path).toMatchObject(refused)
      expect(answer.headers['access-control-allow-origin'], path).toBeUndefined()
    }
    const posted = await rawRequest(`${origin}/__embedded/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"fault":"revoke-grants"}',
    })
    expect(posted).toMatchObject(refused)
    const preflight = await rawRequest(`${origin}/__embedded/faults`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    })
    expect(preflight).toMatchObject(refused)
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined()
    expect(dev.plugin.api.origins()).toEqual([])
  })

  it('while this machine, at the same plugin, is answered', async () => {
    const origin = await dev.listen()
    await expect(rawRequest(`${origin}/oidc/.well-known/openid-configuration`)).resolves.toMatchObject({ status: 200, body: { issuer: `${origin}/oidc` } })
    expect(dev.plugin.api.origins()).toEqual([origin])
  })
})

describe('how many providers one plugin makes', () => {
  const server = useDevServer()

  it('none for Hosts it does not know, however many: each is 421, and only the loopback names it answers get one', async () => {
    const { origin, origins } = server()
    const port = Number(new URL(origin).port)
    const hosts = Array.from({ length: 40 }, (_, i) => (i % 2 ? `site${i}.attacker.example:${port}` : `localhost:${(port + i + 1) % 65_536}`))
    for (const host of hosts) {
      const answer = await rawRequest(`${origin}/oidc/.well-known/openid-configuration`, { headers: { host } })
      expect(answer, host).toMatchObject({ status: 421, body: { code: 'MISDIRECTED_REQUEST' } })
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const answer = await rawRequest(`${origin}/oidc/.well-known/openid-configuration`, { headers: { host } })
      expect(answer, host).toMatchObject({ status: 200, body: { issuer: `http://${host.toLowerCase()}/oidc` } })
    }
    expect(origins().sort()).toEqual([`http://127.0.0.1:${port}`, `http://[::1]:${port}`, `http://localhost:${port}`])
  })
})

describe('a plugin answering on many ports', () => {
  const dev = useMiddlewareVite()

  it(`makes ${MAX_ORIGINS} providers at most and refuses the next origin with 503`, async () => {
    const ports = await Promise.all([dev.listen(), dev.listen(), dev.listen()]).then((origins) => origins.map((origin) => new URL(origin).port))
    const targets = ports.flatMap((port) => ['127.0.0.1', 'localhost', '[::1]'].map((name) => ({ port, host: `${name}:${port}` })))
    const statuses: number[] = []
    for (const { port, host } of targets) {
      const answer = await rawRequest(`http://127.0.0.1:${port}/oidc/.well-known/openid-configuration`, { headers: { host } })
      statuses.push(answer.status)
      if (answer.status === 503)
        expect(answer.body).toEqual({ code: 'TOO_MANY_ORIGINS', message: `The embedded provider answers ${MAX_ORIGINS} origins at most` })
    }
    expect(statuses).toEqual([...Array<number>(MAX_ORIGINS).fill(200), 503])
    expect(dev.plugin.api.origins()).toHaveLength(MAX_ORIGINS)
  })
})

describe('a configured origin (a tunnel’s, its agent on this machine)', () => {
  const server = useDevServer({ origin: 'https://ledgerline.example' }, { allowedHosts: ['ledgerline.example'] })

  it('is answered as its own issuer; other names still are not', async () => {
    const { origin } = server()
    const discovery = `${origin}/oidc/.well-known/openid-configuration`
    await expect(rawRequest(discovery, { headers: { host: 'ledgerline.example' } })).resolves.toMatchObject({
      status: 200,
      body: { issuer: 'https://ledgerline.example/oidc' },
    })
    await expect(rawRequest(discovery, { headers: { host: 'other.example' } })).resolves.toMatchObject({ status: 421 })
  })
})

describe('the control and server routes and pages of another origin', () => {
  const server = useDevServer()
  const FOREIGN = ['http://localhost:3000', 'http://evil.localhost:5173', 'https://attacker.example', 'null']

  it('refuse another origin’s requests and preflights with 403 and no CORS headers', async () => {
    const { origin } = server()
    for (const from of [...FOREIGN, origin.replace('127.0.0.1', 'localhost')]) {
      for (const [method, path, headers] of [
        ['GET', '/__embedded/records', {}],
        ['POST', '/__embedded/faults', { 'content-type': 'application/json' }],
        ['OPTIONS', '/__embedded/faults', { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }],
        ['GET', '/api/app/session', {}],
        ['OPTIONS', '/api/app/vat-check/987654321', { 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-requested-with' }],
      ] as const) {
        const answer = await rawRequest(`${origin}${path}`, {
          method,
          headers: { origin: from, ...headers },
          ...(method === 'POST' && { body: '{"fault":"revoke-grants"}' }),
        })
        expect(answer, `${method} ${path} from ${from}`).toMatchObject({ status: 403, body: { code: 'CROSS_ORIGIN' } })
        expect(answer.headers['access-control-allow-origin'], `${method} ${path} from ${from}`).toBeUndefined()
      }
    }
  })

  it('refuse a cross-site request that sends no Origin (a GET by an image or a link), and answer the page’s own origin', async () => {
    const { origin } = server()
    await expect(rawRequest(`${origin}/__embedded/records`, { headers: { 'sec-fetch-site': 'cross-site' } })).resolves.toMatchObject({
      status: 403,
      body: { code: 'CROSS_ORIGIN' },
    })
    await expect(rawRequest(`${origin}/__embedded/records`, { headers: { origin, 'sec-fetch-site': 'same-origin' } })).resolves.toMatchObject({ status: 200 })
    const injected = await rawRequest(`${origin}/__embedded/faults`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json' },
      body: '{"fault":"revoke-grants"}',
    })
    expect(injected.status).toBe(204)
    await expect(rawRequest(`${origin}/api/app/session`, { headers: { origin } })).resolves.toMatchObject({ status: 200, body: { connected: false } })
  })
})
