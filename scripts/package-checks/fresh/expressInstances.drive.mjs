// Runs in the fresh Express project: two instances of server.mjs on one Postgres table and one Redis
// prefix, two companies consenting through the provider kit over real HTTP, a call through each
// instance, one instance restarted. Prints one line of what was seen; throws on the first surprise.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { randomBytes } from 'node:crypto'
import { hmrc } from 'grantflow'
import { createProviderKit, hmrcVatRoutes } from 'grantflow/testing'

const run = randomBytes(4).toString('hex')
const table = `grantflow_fresh_${run}`
const common = {
  // As the suite finds them (CONTRIBUTING.md): DATABASE_URL and REDIS_URL, else 127.0.0.1's.
  DATABASE_URL: process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  SESSIONS_TABLE: table,
  REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
  REDIS_PREFIX: `grantflow-fresh-${run}:`,
  GRANTFLOW_SESSION_KEY: randomBytes(32).toString('base64'),
  CLIENT_ID: 'vat-app',
  VRN: '123456789',
}

/** A port the OS picks, free once this returns. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address()
      probe.close(() => resolve(port))
    })
  })

const instances = new Set()
/** One instance of the recipe; resolves once it listens. */
function startInstance(port) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['server.mjs'], { env: { ...process.env, ...common, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
    instances.add(child)
    let output = ''
    const seen = (chunk) => {
      output += chunk
      if (output.includes(`listening on ${port}`)) resolve({ child, origin: `http://127.0.0.1:${port}`, output: () => output })
    }
    child.stdout.on('data', seen)
    child.stderr.on('data', (chunk) => (output += chunk))
    child.once('exit', (code) => {
      instances.delete(child)
      reject(new Error(`instance on ${port} exited (${code}) before listening:\n${output}`))
    })
  })
}
const stop = (instance) =>
  new Promise((resolve) => {
    if (instance.child.exitCode !== null) return resolve()
    instance.child.once('exit', () => resolve())
    instance.child.kill('SIGTERM')
  })

/** A browser of one company: cookies by host, as browsers keep them (whatever the port). */
function browser(company) {
  const jar = new Map([['company', company]])
  return async function request(url, init = {}) {
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, cookie } })
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';')
      const [name, value] = pair.split('=')
      if (attributes.some((a) => /max-age=0\b/i.test(a.trim())) || value === '') jar.delete(name.trim())
      else jar.set(name.trim(), value)
    }
    return response
  }
}

const vatReturn = (periodKey) => ({
  periodKey,
  vatDueSales: 1000,
  vatDueAcquisitions: 0,
  totalVatDue: 1000,
  vatReclaimedCurrPeriod: 250,
  netVatDue: 750,
  totalValueSalesExVAT: 5000,
  totalValuePurchasesExVAT: 1250,
  totalValueGoodsSuppliedExVAT: 0,
  totalAcquisitionsExVAT: 0,
  finalised: true,
})
let period = 0
const fileReturn = (user, origin) =>
  user(`${origin}/returns`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(vatReturn(`#00${++period}`)) })

async function expectFiled(response, what) {
  const text = await response.text()
  if (response.status !== 200 || !JSON.parse(text).formBundleNumber)
    throw new Error(`${what}: expected the return filed (200), got ${response.status}: ${text}`)
}

const routes = hmrcVatRoutes()
const [portA, portB] = [await freePort(), await freePort()]
const redirectUri = `http://127.0.0.1:${portA}/grantflow/callback`
const kit = createProviderKit({
  provider: hmrc,
  environment: 'sandbox',
  clients: [{ clientId: common.CLIENT_ID, authMethod: 'none', redirectUris: [redirectUri] }],
  api: routes,
})
const provider = await kit.listen()
Object.assign(common, { KIT_ORIGIN: provider.origin, REDIRECT_URI: redirectUri })
let a
let b
try {
  ;[a, b] = await Promise.all([startInstance(portA), startInstance(portB)])
  /** A company's first return: sent to the provider, consents, and the callback (on instance A) files it once. */
  async function consent(user, origin, company) {
    const started = await fileReturn(user, origin)
    const location = started.headers.get('location')
    if (started.status !== 303 || !location) throw new Error(`${company}: expected a 303 to the provider, got ${started.status}: ${await started.text()}`)
    const done = await user(await kit.authorize(location))
    const text = await done.text()
    if (done.status !== 200 || JSON.parse(text).replayed !== true) throw new Error(`${company}: the callback did not replay the return: ${done.status} ${text}`)
  }
  const acme = browser('acme-ltd')
  const globex = browser('globex-plc')
  await consent(acme, b.origin, 'acme-ltd')
  await consent(globex, a.origin, 'globex-plc')
  // Each session is in the shared store: the other instance calls with it, no consent asked.
  await expectFiled(await fileReturn(acme, a.origin), 'acme-ltd through instance A')
  await expectFiled(await fileReturn(globex, b.origin), 'globex-plc through instance B')
  // A third company is not handed another's session.
  const initech = await fileReturn(browser('initech'), a.origin)
  if (initech.status !== 303) throw new Error(`initech, never consented: expected a 303 to the provider, got ${initech.status}`)
  // Instance B restarted: its sessions come back from Postgres.
  await stop(b)
  b = await startInstance(portB)
  await expectFiled(await fileReturn(acme, b.origin), 'acme-ltd through instance B after its restart')
  await expectFiled(await fileReturn(globex, b.origin), 'globex-plc through instance B after its restart')
  if (routes.submissions.length !== 6) throw new Error(`expected 6 returns filed, the kit has ${routes.submissions.length}`)
  console.log(`2 companies, 2 instances, ${routes.submissions.length} returns filed once each, sessions kept through a restart`)
} catch (error) {
  const logs = [a, b].filter(Boolean).map((i) => `--- ${i.origin}:\n${i.output()}`)
  throw new Error(`${error.message}\n${logs.join('\n')}`)
} finally {
  await Promise.all([...instances].map((child) => stop({ child })))
  await provider.close()
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: common.DATABASE_URL })
  await client.connect()
  await client.query(`DROP TABLE IF EXISTS ${table}`)
  await client.end()
}
