import { fork, type ChildProcess } from 'node:child_process'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createPostgresStore, generateEncryptionKey, type PostgresSessionStore } from '../../src/server/index.js'
import { COMPANY, localWorld, useOidcServer, VRN } from '../integration/localWorld.js'
import { useTestDatabase } from '../support/postgres.js'
import { testRedis, uniquePrefix } from '../support/redis.js'
import type { OpenMessage, WorkerMessage, WorkerReply } from './workers/stampedeWorker.js'

// Four server instances in four Node processes, each with its own grantflow runtime, sharing one
// Postgres store and one Redis (lock and sync), against oidc-provider rotating refresh tokens. The
// stored access token has expired for all of them (their clocks run an hour ahead); the provider
// counts the refreshes it answers. Token requests pass a proxy of this test's, which can hold one.

const WORKERS = 4
const CALLS_PER_WORKER = 250
const HOUR = 3600_000
/** The lease of the lock (the production default), and a short one for the crash, so a killed holder keeps the others out briefly. */
const LOCK_TTL_MS = 10_000
const SHORT_LOCK_TTL_MS = 3_000
const WORKER_SCRIPT = fileURLToPath(new URL('./workers/stampedeWorker.ts', import.meta.url))

const oidc = useOidcServer()
const database = useTestDatabase()
const encryptionKey = generateEncryptionKey()
const workers: ChildProcess[] = []
const stores: PostgresSessionStore[] = []
let proxy: TokenProxy | undefined
let tables = 0

afterEach(async () => {
  await Promise.all(workers.splice(0).map(stopWorker))
  await proxy?.close()
  proxy = undefined
})
afterAll(() => Promise.all(stores.map((store) => store.close())))

/** A token endpoint in front of the provider's: forwards each request, or holds the first when asked to. */
interface TokenProxy {
  url: string
  /** Which worker sent each token request, in order of arrival. */
  arrivals: string[]
  /** Settles with the sending worker once the first request is being held (with `holdFirst`). */
  held: Promise<string>
  close(): Promise<void>
}

async function startTokenProxy(tokenEndpoint: string, options: { holdFirst?: boolean } = {}): Promise<TokenProxy> {
  const arrivals: string[] = []
  let onHeld!: (worker: string) => void
  const held = new Promise<string>((resolve) => (onHeld = resolve))
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const worker = String(request.headers['x-stampede-worker'])
    arrivals.push(worker)
    if (options.holdFirst && arrivals.length === 1) {
      // Never forwarded: the provider does not see this refresh, whatever becomes of its sender.
      request.resume()
      onHeld(worker)
      return
    }
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const headers = new Headers()
      for (const name of ['content-type', 'accept', 'authorization', 'dpop']) {
        const value = request.headers[name]
        if (typeof value === 'string') headers.set(name, value)
      }
      fetch(tokenEndpoint, { method: request.method, headers, body: Buffer.concat(chunks) }).then(
        async (answer) => {
          response.writeHead(answer.status, Object.fromEntries(answer.headers))
          response.end(Buffer.from(await answer.arrayBuffer()))
        },
        () => response.destroy(),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    arrivals,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function startWorker(id: number): ChildProcess {
  const child = fork(WORKER_SCRIPT, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, GRANTFLOW_WORKER_ID: String(id) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  workers.push(child)
  return child
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    if (child.connected) child.disconnect()
    else child.kill('SIGKILL')
  })
}

function ask(child: ChildProcess, message: WorkerMessage): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`worker exited (${signal ?? code})`))
    child.once('exit', onExit)
    child.once('message', (reply: WorkerReply) => {
      child.off('exit', onExit)
      resolve(reply)
    })
    child.send(message)
  })
}

/** A fresh table with one company's session in it (consented in this process), and the workers' settings for it. */
async function connectedSession(lockTtlMs = LOCK_TTL_MS) {
  const server = oidc()
  const table = `stampede_${++tables}`
  const store = createPostgresStore({ pool: database.pool(), schema: database.schema, table, encryption: { current: { id: 'stampede', key: encryptionKey } } })
  stores.push(store)
  const seed = localWorld(server, { grantflow: { store } })
  await seed.grantflow.apis.vat.obligations({ vrn: VRN })
  const discovery = (await (await fetch(new URL('/.well-known/openid-configuration', server.issuer))).json()) as { token_endpoint: string }
  const redis = await testRedis()
  const open: Omit<OpenMessage, 'tokenProxy'> = {
    type: 'open',
    issuer: server.issuer,
    resourceUrl: server.resourceUrl,
    databaseUrl: database.url,
    schema: database.schema,
    table,
    encryptionKey,
    redisUrl: redis.url,
    lockPrefix: uniquePrefix('multi-process-lock'),
    syncChannel: uniquePrefix('multi-process-sync'),
    lockTtlMs,
    clockOffsetMs: HOUR,
    company: COMPANY.id,
    vrn: VRN,
  }
  return {
    tokenEndpoint: discovery.token_endpoint,
    table,
    store,
    seed,
    /** What the provider answered from now on (the consent above excluded). */
    recorded: server.recordFromNow(),
    openVia: (proxy: TokenProxy): OpenMessage => ({ ...open, tokenProxy: { tokenEndpoint: discovery.token_endpoint, via: proxy.url } }),
  }
}

/** The session rows of a table (what survives every instance). */
async function sessionRows(table: string) {
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    return (await client.query(`SELECT version FROM "${database.schema}"."${table}"`)).rows as { version: number }[]
  } finally {
    await client.end()
  }
}

async function openWorkers(open: OpenMessage) {
  const started = Array.from({ length: WORKERS }, (_, i) => startWorker(i))
  await Promise.all(started.map((child) => ask(child, open)))
  return started
}

describe('four instances in four processes sharing Postgres and Redis', () => {
  it('refresh an expired token once for 1,000 concurrent calls, and every call succeeds', async () => {
    const session = await connectedSession()
    proxy = await startTokenProxy(session.tokenEndpoint)
    const started = await openWorkers(session.openVia(proxy))

    const replies = await Promise.all(started.map((child) => ask(child, { type: 'call', count: CALLS_PER_WORKER })))

    expect(replies.flatMap((r) => (r.type === 'called' ? r.failures : ['no answer']))).toEqual([])
    expect(replies.map((r) => (r.type === 'called' ? r.succeeded : 0))).toEqual([250, 250, 250, 250])
    expect(session.recorded.requestsTo('token', 'refresh_token')).toHaveLength(1)
    expect(session.recorded.requestsTo('token')).toHaveLength(1)
    expect(proxy.arrivals).toHaveLength(1)
    expect(session.recorded.requestsTo('authorization')).toHaveLength(0)
    expect(await sessionRows(session.table)).toHaveLength(1)
  }, 60_000)

  it('lose nothing when the lock holder is killed in the middle of its refresh: another instance refreshes, every other call succeeds', async () => {
    const session = await connectedSession(SHORT_LOCK_TTL_MS)
    proxy = await startTokenProxy(session.tokenEndpoint, { holdFirst: true })
    const started = await openWorkers(session.openVia(proxy))
    const [before] = await sessionRows(session.table)

    const replies = started.map((child) => ask(child, { type: 'call', count: CALLS_PER_WORKER }).catch((error: Error) => error))
    // The first refresh reaches the proxy, which holds it: its sender holds the lock. Killed now,
    // it never reads an answer, and the provider never receives its refresh.
    const holder = Number(await proxy.held)
    started[holder]!.kill('SIGKILL')
    const outcomes = await Promise.all(replies)

    expect(outcomes[holder]).toBeInstanceOf(Error)
    const survivors = outcomes.filter((_, i) => i !== holder) as WorkerReply[]
    expect(survivors.flatMap((r) => (r.type === 'called' ? r.failures : ['no answer']))).toEqual([])
    expect(survivors.map((r) => (r.type === 'called' ? r.succeeded : 0))).toEqual([250, 250, 250])
    // Two refreshes were sent (the killed holder's, then its successor's once the lease lapsed), one answered.
    expect(proxy.arrivals).toHaveLength(2)
    expect(proxy.arrivals[1]).not.toBe(String(holder))
    expect(session.recorded.requestsTo('token', 'refresh_token')).toHaveLength(1)
    expect(session.recorded.requestsTo('authorization')).toHaveLength(0)
    // The session is still there, with the successor's tokens: a new instance calls without a refresh.
    const rows = await sessionRows(session.table)
    expect(rows).toHaveLength(1)
    expect(rows[0]!.version).toBeGreaterThan(before!.version)
    const late = startWorker(WORKERS)
    await ask(late, session.openVia(proxy))
    await expect(ask(late, { type: 'call', count: 1 })).resolves.toEqual({ type: 'called', succeeded: 1, failures: [] })
    expect(proxy.arrivals).toHaveLength(2)
  }, 60_000)
})
