// The servers a part may need beside its own children: Postgres and Redis, found where the tests
// find them (test/support/postgres.ts, test/support/redis.ts): DATABASE_URL / REDIS_URL, else
// the ones on 127.0.0.1's standard ports. The bench never installs or starts one: a part says
// "not measured" and why, and its goal counts as missed.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { Redis } from 'ioredis'

/** A server found, or why none was. */
export type Found = { url: string } | { missing: string }

export async function findPostgres(): Promise<Found> {
  const candidates = process.env.DATABASE_URL ? [process.env.DATABASE_URL] : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test']
  const errors: string[] = []
  for (const url of candidates) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
    client.on('error', () => undefined)
    try {
      await client.connect()
      await client.query('SELECT 1')
      return { url }
    } catch (error) {
      errors.push(`${redactUrl(url)}: ${(error as Error).message}`)
    } finally {
      await client.end().catch(() => undefined)
    }
  }
  return { missing: `no Postgres answered (${errors.join('; ')})` }
}

export async function findRedis(): Promise<Found> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => undefined)
  try {
    await redis.connect()
    if ((await redis.ping()) === 'PONG') return { url }
    return { missing: `${redactUrl(url)} did not answer PING` }
  } catch (error) {
    return { missing: `no Redis answered at ${redactUrl(url)} (${(error as Error).message})` }
  } finally {
    redis.disconnect()
  }
}

/** A schema of this run's own, so runs on one server never meet; dropped after with {@link dropSchema}. */
export function benchSchemaName(): string {
  return `grantflow_bench_${process.pid}_${randomBytes(4).toString('hex')}`
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** Deletes this run's Redis keys (a lock's fencing counter outlives its holders by design). */
export async function dropKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined)
  try {
    const keys: string[] = []
    for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 100 }) as AsyncIterable<string[]>) keys.push(...batch)
    if (keys.length) await redis.del(...keys)
  } finally {
    redis.disconnect()
  }
}

/** A URL as a report may show it: without its password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'an unparsable URL'
  }
}
