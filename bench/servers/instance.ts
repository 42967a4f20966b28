// One server instance of the stampede part's four-process check, in a process of its own: its own
// grantflow runtime (grantflow/server's Postgres store, Redis lock and Redis sync, shared with the
// other instances through the servers, never through memory) calling the bench's provider.
// Argument: its settings as JSON (InstanceSettings). Commands: `{ advanceMs }` moves its clock on
// (the stored token expires by it); `{ calls }` makes that many calls at once and answers how many
// failed, and the first failure's name and message (never a token), the batch's time and its first answer's.
import { createGrantflow, defineClient } from 'grantflow'
import { discoveredProvider, vatApi } from '../lib/declarations.js'
import { createPostgresStore, createRedisLock, createRedisSync } from 'grantflow/server'
import { serveCommands } from '../lib/measure.js'
import { PUBLIC_CLIENT, REDIRECT_URI } from './oidcClient.js'

/** What the bench hands each instance. */
export interface InstanceSettings {
  issuer: string
  resourceUrl: string
  databaseUrl: string
  schema: string
  table: string
  encryptionKey: string
  redisUrl: string
  lockPrefix: string
  syncChannel: string
  company: string
  path: { vrn: string }
}

/** An instance's answer to `{ calls }`. */
export interface InstanceCalls {
  failures: number
  firstFailure?: string
  ms: number
  /** When the first call was answered: the session released (its token renewed or adopted) and one API call. */
  firstAnswerMs: number
}

const settings = JSON.parse(process.argv[2]!) as InstanceSettings
const vat = vatApi(discoveredProvider(settings.issuer, settings.resourceUrl))
const store = createPostgresStore({
  connectionString: settings.databaseUrl,
  schema: settings.schema,
  table: settings.table,
  encryption: { current: { id: 'bench', key: settings.encryptionKey } },
  migrate: false,
})
const lock = createRedisLock({ redis: settings.redisUrl, prefix: settings.lockPrefix })
const sync = createRedisSync({ redis: settings.redisUrl, channel: settings.syncChannel })
let offset = 0
const grantflow = createGrantflow({
  apis: { vat },
  clients: { local: defineClient({ clientId: PUBLIC_CLIENT, redirectUri: REDIRECT_URI }) },
  environment: 'local',
  apiUser: { company: () => settings.company },
  now: () => Date.now() + offset,
  // A server instance: a call that needs a consent fails with ConsentRequiredError (none should).
  interaction: 'none',
  store,
  lock,
  sync: [sync],
})

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
      grantflow.apis.vat.obligations(settings.path).then(answered, (error: Error) => {
        failures++
        firstFailure ??= `${error.name}: ${error.message}`
      }),
    ),
  )
  return { failures, firstFailure, ms: performance.now() - start, firstAnswerMs: firstAnswerMs ?? 0 } satisfies InstanceCalls
})
