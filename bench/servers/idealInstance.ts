// The ideal cross-instance client, by hand, in a process of its own: the floor the instances part
// holds grantflow's four processes to. Its tokens in a plain Postgres row (same Postgres as
// grantflow's store, a table of its own), its lock a Redis SET NX PX, its news a Redis PUBLISH on
// the holder's save. In each process the calls that find the token expired share one renewal;
// the renewal reads the row (fresh: done), else takes the lock: the winner refreshes with
// oauth4webapi, writes the row, publishes and frees the lock; the others wait for the message
// (subscribed before they ask, so none is missed) and read the row. No machine, no encryption,
// no fencing, no retries: what the job costs at least.
// Argument: its settings as JSON (IdealInstanceSettings). Commands as bench/servers/instance.ts.
import { randomUUID } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import pg from 'pg'
import { Redis } from 'ioredis'
import { serveCommands } from '../lib/measure.js'
import { PUBLIC_CLIENT } from './oidcClient.js'
import type { InstanceCalls } from './instance.js'

/** What the bench hands each ideal instance. */
export interface IdealInstanceSettings {
  issuer: string
  resourceUrl: string
  databaseUrl: string
  /** A table `(id text primary key, access_token text, refresh_token text, expires_at bigint)` holding row `id`. */
  table: string
  id: string
  redisUrl: string
  lockKey: string
  channel: string
  path: string
}

const settings = JSON.parse(process.argv[2]!) as IdealInstanceSettings
const issuer = new URL(settings.issuer)
const insecure = { [oauth.allowInsecureRequests]: true }
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }))
const client: oauth.Client = { client_id: PUBLIC_CLIENT }
const db = new pg.Pool({ connectionString: settings.databaseUrl, max: 4 })
const redis = new Redis(settings.redisUrl)
const subscriber = new Redis(settings.redisUrl)
let offset = 0
const now = () => Date.now() + offset

interface Row {
  accessToken: string
  refreshToken: string
  expiresAt: number
}
const read = async (): Promise<Row> => {
  const { rows } = await db.query<{ access_token: string; refresh_token: string; expires_at: string }>(
    `select access_token, refresh_token, expires_at from ${settings.table} where id = $1`,
    [settings.id],
  )
  const row = rows[0]!
  return { accessToken: row.access_token, refreshToken: row.refresh_token, expiresAt: Number(row.expires_at) }
}

// Waiters for the holder's message, released all at once when it comes.
let saved: { promise: Promise<void>; resolve: () => void } | undefined
const nextSave = () => {
  if (!saved) {
    let resolve!: () => void
    const promise = new Promise<void>((r) => (resolve = r))
    saved = { promise, resolve }
  }
  return saved.promise
}
subscriber.on('message', () => {
  const waiting = saved
  saved = undefined
  waiting?.resolve()
})
await subscriber.subscribe(settings.channel)

let tokens: Row | undefined
let renewing: Promise<Row> | undefined

const renew = async (): Promise<Row> => {
  for (;;) {
    // Armed before the row is read: a save between the read and the wait is not missed.
    const message = nextSave()
    const stored = await read()
    if (stored.expiresAt > now()) return stored
    const owner = randomUUID()
    if ((await redis.set(settings.lockKey, owner, 'PX', 30_000, 'NX')) === 'OK') {
      try {
        // The row again, under the lock: a holder may have saved between the read and the SET.
        const current = await read()
        if (current.expiresAt > now()) return current
        const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), current.refreshToken, insecure)
        const result = await oauth.processRefreshTokenResponse(as, client, response)
        const next = {
          accessToken: result.access_token,
          refreshToken: result.refresh_token ?? current.refreshToken,
          expiresAt: now() + (result.expires_in ?? 60) * 1000,
        }
        await db.query(`update ${settings.table} set access_token = $2, refresh_token = $3, expires_at = $4 where id = $1`, [
          settings.id,
          next.accessToken,
          next.refreshToken,
          next.expiresAt,
        ])
        await redis.publish(settings.channel, settings.id)
        return next
      } finally {
        await redis.eval(`if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`, 1, settings.lockKey, owner)
      }
    }
    await message
  }
}

const call = async () => {
  if (!tokens || tokens.expiresAt <= now()) tokens = await (renewing ??= renew().finally(() => (renewing = undefined)))
  const response = await fetch(new URL(settings.path, settings.resourceUrl), { headers: { authorization: `Bearer ${tokens.accessToken}` } })
  if (!response.ok) throw new Error(`the API answered ${response.status}`)
  return response.json() as Promise<unknown>
}

serveCommands({}, async (command) => {
  if (typeof command.advanceMs === 'number') offset += command.advanceMs
  if (typeof command.calls !== 'number') return undefined
  let failures = 0
  let firstFailure: string | undefined
  const start = performance.now()
  let firstAnswerMs: number | undefined
  const answered = () => void (firstAnswerMs ??= performance.now() - start)
  await Promise.all(
    Array.from({ length: command.calls }, () =>
      call().then(answered, (error: Error) => {
        failures++
        firstFailure ??= `${error.name}: ${error.message}`
      }),
    ),
  )
  return { failures, firstFailure, ms: performance.now() - start, firstAnswerMs: firstAnswerMs ?? 0 } satisfies InstanceCalls
})
