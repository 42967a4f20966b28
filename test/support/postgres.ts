import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { afterAll, beforeAll } from 'vitest'

// Where the Postgres tests find a server: DATABASE_URL; else the one on 127.0.0.1:5432 (db
// `test`, trust auth), as on the development and CI machines; else a private server of this test
// file's own, started from Debian's binaries (installed with apt-get on a clean root machine, as
// test/e2e/ensure-chromium.sh installs Chromium). Each test file works in a schema of its own,
// dropped after, so parallel runs never meet. GRANTFLOW_TEST_POSTGRES=private forces the private
// server (to try that path on a machine that has a shared one).

const run = promisify(execFile)

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function sharedServer(): Promise<string | undefined> {
  if (process.env.GRANTFLOW_TEST_POSTGRES === 'private') return undefined
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL
  for (const user of ['postgres', 'root']) {
    const url = `postgres://${user}@127.0.0.1:5432/test`
    if (await answers(url)) return url
  }
  return undefined
}

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] && join(root, versions[0], 'bin')
}

async function installPostgres(): Promise<string> {
  const isRoot = process.getuid?.() === 0
  let hasAptGet = true
  try {
    await run('sh', ['-c', 'command -v apt-get'])
  } catch {
    hasAptGet = false
  }
  if (!isRoot || !hasAptGet)
    throw new Error('The Postgres tests need a server: set DATABASE_URL, run one on 127.0.0.1:5432 (db test), or apt-get install postgresql')
  console.warn("installing Debian's postgresql for the Postgres store tests")
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  await run('apt-get', ['update'], { env, maxBuffer: 64 << 20 })
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { env, maxBuffer: 64 << 20 })
  const bin = postgresBin()
  if (!bin) throw new Error('apt-get installed postgresql, but no /usr/lib/postgresql/*/bin/initdb was found')
  return bin
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export interface PrivatePostgres {
  url: string
  /** Stops the server (fast shutdown: connections are cut) and starts it again on the same port and data. */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** A Postgres server of this process's own, in a temporary directory, on an OS-chosen port. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin() ?? (await installPostgres())
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-pg-'))
  const data = join(dir, 'data')
  // initdb refuses to run as root: the cluster then belongs to Debian's postgres user.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
    chownSync(dir, uid, gid)
  }
  const command = (tool: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]
  const tool = (name: string, args: string[]) => run(...command(name, args), { maxBuffer: 16 << 20 })
  await tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`
  const start = () => tool('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start'])
  const stopNow = (mode: 'fast' | 'immediate') => tool('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
  await start()
  let stopped = false
  // Should the test process end without its afterAll, the server still stops.
  const onExit = () => {
    if (stopped) return
    try {
      execFileSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore' })
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true })
  }
  process.once('exit', onExit)
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async restart() {
      await stopNow('fast')
      await start()
    },
    async stop() {
      if (stopped) return
      stopped = true
      process.off('exit', onExit)
      await stopNow('immediate').catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A schema name no other run uses. */
export function uniqueSchemaName(prefix = 'grantflow_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`
}

export interface TestDatabase {
  /** The server's URL (valid inside the tests and hooks). */
  readonly url: string
  /** This file's schema, dropped after its tests. */
  readonly schema: string
  /** A new pg Pool on the server, ended after the tests (or before, by the test). */
  pool(options?: pg.PoolConfig): pg.Pool
}

/**
 * The server the Postgres tests use, and a schema of this file's own on it: resolved before the
 * tests, dropped after them, with every pool made by `pool()` ended and a private server stopped.
 */
export function useTestDatabase(): TestDatabase {
  const schema = uniqueSchemaName()
  const pools: pg.Pool[] = []
  let url: string | undefined
  let server: PrivatePostgres | undefined
  beforeAll(async () => {
    url = await sharedServer()
    if (!url) {
      server = await startPrivatePostgres()
      url = server.url
    }
  }, 300_000)
  afterAll(async () => {
    await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end().catch(() => undefined))))
    if (url && !server) {
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await admin.end()
    }
    await server?.stop()
  }, 60_000)
  return {
    get url() {
      if (!url) throw new Error('the test database is resolved in beforeAll')
      return url
    },
    schema,
    pool(options = {}) {
      const pool = new pg.Pool({ connectionString: this.url, ...options })
      // Connections the server cut (a restart) are dropped by the pool; unheard, they end the process.
      pool.on('error', () => undefined)
      pools.push(pool)
      return pool
    },
  }
}
