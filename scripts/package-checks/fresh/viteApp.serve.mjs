// Runs in the fresh Vite app: `vite build`, then the dev server on 127.0.0.1 at a port the OS picks,
// through Vite's JS API (which reads the app's vite.config.ts, as the `vite` command does). Prints
// one line of what was served (and of one call through its provider, consented headless); throws on the first surprise.
import { build, createServer } from 'vite'
import { fileReturnThroughDevServer } from './consent.mjs'

const built = await build({ logLevel: 'warn' })
const outputs = (Array.isArray(built) ? built : [built]).flatMap((b) => b.output ?? [])
if (!outputs.some((o) => o.fileName.endsWith('.js'))) throw new Error(`vite build wrote no script: ${outputs.map((o) => o.fileName).join(', ')}`)

const server = await createServer({ logLevel: 'warn', server: { port: 0, strictPort: false } })
try {
  await server.listen()
  const { address, port } = server.httpServer.address()
  if (address !== '127.0.0.1') throw new Error(`the dev server listens on ${address}, not 127.0.0.1 as vite.config.ts says`)
  const origin = `http://127.0.0.1:${port}`
  const get = async (path, init) => {
    const response = await fetch(`${origin}${path}`, init)
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() }
  }
  const discovery = await get('/oidc/.well-known/openid-configuration')
  if (discovery.status !== 200) throw new Error(`discovery: ${discovery.status} ${discovery.text}`)
  const metadata = JSON.parse(discovery.text)
  if (metadata.issuer !== `${origin}/oidc`) throw new Error(`discovery names the issuer ${metadata.issuer}, not ${origin}/oidc`)
  if (!metadata.code_challenge_methods_supported?.includes('S256')) throw new Error('discovery: no PKCE S256')
  const page = await get('/')
  if (page.status !== 200 || !page.text.includes('/src/main.tsx')) throw new Error(`the app page: ${page.status} ${page.text}`)
  const script = await get('/src/main.tsx')
  if (script.status !== 200 || !/javascript/.test(script.type) || !script.text.includes('grantflow'))
    throw new Error(`/src/main.tsx: ${script.status} ${script.type}\n${script.text}`)
  const callback = await get('/callback', { headers: { accept: 'text/html' } })
  if (callback.status !== 200 || !callback.text.includes('/src/main.tsx')) throw new Error(`the redirect URI's page: ${callback.status} ${callback.text}`)
  // The local API takes only the provider's tokens.
  const api = await get('/api/local/organisations/vat/123456789/obligations?status=O')
  if (api.status !== 401) throw new Error(`the local API without a token: expected 401, got ${api.status} ${api.text}`)
  const formBundleNumber = await fileReturnThroughDevServer(origin)
  console.log(
    `built ${outputs.length} files; dev server at 127.0.0.1 serves the page, the callback page and the provider (issuer ${new URL(metadata.issuer).pathname}); a return filed after demo's consent (${formBundleNumber})`,
  )
} finally {
  await server.close()
}
