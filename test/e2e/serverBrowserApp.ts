import { spawn } from 'node:child_process'
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { startDevProvider } from '../../src/dev/index.js'
import { ConsentRequiredError, createGrantflow, defineApi, defineClient, defineEndpoint, defineProvider, hmrc, shape } from '../../src/index.js'
import { createGrantflowHandlers, toNodeListener } from '../../src/server/index.js'
import type { VatReturn } from '../../src/testing/index.js'
import { vatReturn } from '../support/vatReturn.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface RunningServer {
  origin: string
  close(): Promise<void>
}

/** `npm run example:server` as a person runs it (PORT=0, sessions on PGlite), until `close`. */
export async function startServerExample(): Promise<RunningServer> {
  const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'examples/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const origin = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const found = /at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (found) resolve(found[1]!)
    })
    child.once('exit', (code) => reject(new Error(`the example exited (${code}): ${out}`)))
  })
  return {
    origin,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/**
 * A server that takes a `returnTo` as a browser gives it: the page at `/` holds the "Connect"
 * form (the handlers' connect route) with the `?returnTo=` it was opened with, and a "File the
 * return" form (for the `?vrn=` it was opened with: the VAT API takes one return a period) whose
 * call, when it needs consent, has the runtime save that `returnTo` with the authorization (its
 * `returnTo` option). The callback sends the browser on (`afterCallback: 'redirect'`). Any other
 * path shows where the browser landed. The company is the `company` cookie, so each browser
 * context has a session of its own. As the server example, the embedded provider answers behind
 * this server's origin.
 */
export async function startReturnToServer(): Promise<RunningServer> {
  const http = createServer()
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  const dev = await startDevProvider({ origin, publicClient: { clientId: 'returnto-app', redirectPaths: ['/callback'] }, applicationPath: false })
  const environments = { local: { authorizationServer: { issuer: `${origin}/oidc`, discovery: 'oidc' as const }, apiBaseUrl: `${origin}/api/local` } }
  const gateway = defineProvider({ id: 'gateway', name: 'Local VAT Gateway', environments, prepareApiRequest: hmrc.prepareApiRequest! })
  const vat = defineApi({
    id: 'vat',
    name: 'VAT',
    provider: gateway,
    endpoints: {
      submitReturn: defineEndpoint({
        method: 'POST',
        path: '/organisations/vat/{vrn}/returns',
        scopes: ['write:vat'],
        apiUser: 'company',
        body: shape<VatReturn>(),
        result: shape<{ formBundleNumber: string }>(),
      }),
    },
  })
  const company = (request: Request) => /(?:^|;\s*)company=([\w-]+)/.exec(request.headers.get('cookie') ?? '')?.[1]
  const apiUser = { company }
  // What the runtime saves as the consent's returnTo: the filing route's, set just before its call (one browser acts at a time here).
  let savedReturnTo: string | undefined
  const grantflow = createGrantflow({
    returnTo: () => savedReturnTo,
    apis: { vat },
    clients: { gateway: defineClient({ clientId: 'returnto-app', redirectUri: `${origin}/callback` }) },
    environment: 'local',
    apiUser,
  })
  const handlers = createGrantflowHandlers(grantflow, { apis: { vat }, apiUser, callbackPath: '/callback', afterCallback: 'redirect' })

  const html = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  const page = (body: string) =>
    new Response(`<!doctype html><meta charset="utf-8"><title>returnTo</title>${body}`, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  const app = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (url.pathname === handlers.paths.callback || url.pathname === handlers.paths.connect) return handlers.handle(request)
    if (url.pathname === '/')
      return page(`<form method="post" action="${handlers.paths.connect}">
<input type="hidden" name="api" value="vat"><input type="hidden" name="endpoint" value="submitReturn">
<input type="hidden" name="returnTo" value="${html(url.searchParams.get('returnTo') ?? '')}"><button>Connect</button></form>
<form method="post" action="/file?${html(url.searchParams.toString())}"><button>File the return</button></form>`)
    if (url.pathname === '/file' && request.method === 'POST') {
      savedReturnTo = url.searchParams.get('returnTo') ?? undefined
      try {
        return Response.json(await grantflow.withContext(request).apis.vat.submitReturn({ vrn: url.searchParams.get('vrn') ?? '123456789' }, vatReturn()))
      } catch (error) {
        if (error instanceof ConsentRequiredError) return handlers.consentRedirect(error)
        throw error
      }
    }
    return page(`<h1 id="landed">Landed at ${html(url.pathname + url.search)}</h1>`)
  }

  const serveApp = toNodeListener(app, { origin })
  const providerPaths = ['/oidc', '/api/local', '/__embedded']
  http.on('request', (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const path = (incoming.url ?? '/').split('?')[0]!
    if (!providerPaths.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return serveApp(incoming, outgoing)
    // The provider's paths go to it unchanged (Host included: it answers as this origin).
    const upstream = forward(new URL(incoming.url ?? '/', dev.url), { method: incoming.method, headers: incoming.headers }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(outgoing)
    })
    upstream.on('error', () => outgoing.headersSent || outgoing.writeHead(502).end())
    incoming.pipe(upstream)
  })
  return {
    origin,
    async close() {
      http.closeAllConnections()
      await Promise.allSettled([new Promise((resolve) => http.close(resolve)), dev.close()])
    },
  }
}
