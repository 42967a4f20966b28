// One server instance of the stampede test (test/server/multiProcess.test.ts), in a process of
// its own: its own grantflow runtime, its own pool on the shared Postgres store, its own Redis
// connections for the lock and the sync. Driven over IPC by the test: `open` makes the runtime,
// `call` makes that many calls at once and answers how many succeeded and why the others failed.
import { createGrantflow, defineApi, defineClient, defineEndpoint, defineProvider, shape } from '../../../src/index.js'
import { createPostgresStore, createRedisLock, createRedisSync, type RedisLock, type RedisSync } from '../../../src/server/index.js'

export interface OpenMessage {
  type: 'open'
  issuer: string
  resourceUrl: string
  /** Where this instance's token requests go instead of the provider's token endpoint (the test's holding proxy). */
  tokenProxy: { tokenEndpoint: string; via: string }
  databaseUrl: string
  schema: string
  table: string
  encryptionKey: string
  redisUrl: string
  lockPrefix: string
  syncChannel: string
  lockTtlMs: number
  /** How far this instance's clock runs ahead of real time: far enough that the stored access token has expired. */
  clockOffsetMs: number
  company: string
  vrn: string
}
export interface CallMessage {
  type: 'call'
  count: number
}
export type WorkerMessage = OpenMessage | CallMessage
export type WorkerReply = { type: 'opened' } | { type: 'called'; succeeded: number; failures: string[] }

const workerId = process.env.GRANTFLOW_WORKER_ID ?? String(process.pid)
let runtime: { call(): Promise<unknown>; close(): Promise<void> } | undefined

function open(message: OpenMessage) {
  // The test holds token requests at its proxy: this instance sends them there, saying who it is.
  const realFetch = globalThis.fetch
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input)
    if (url !== message.tokenProxy.tokenEndpoint) return realFetch(input, init)
    const headers = new Headers(init?.headers)
    headers.set('x-stampede-worker', workerId)
    return realFetch(message.tokenProxy.via, { ...init, headers })
  }
  const provider = defineProvider({
    id: 'local',
    name: 'Local OIDC',
    environments: { local: { authorizationServer: { issuer: message.issuer, discovery: 'oidc' }, apiBaseUrl: message.resourceUrl } },
  })
  const vat = defineApi({
    id: 'vat',
    name: 'VAT',
    provider,
    endpoints: {
      obligations: defineEndpoint({
        method: 'GET',
        path: '/organisations/vat/{vrn}/obligations',
        scopes: ['read:vat'],
        apiUser: 'company',
        result: shape<{ obligations: unknown[] }>(),
      }),
    },
  })
  const store = createPostgresStore({
    connectionString: message.databaseUrl,
    schema: message.schema,
    table: message.table,
    encryption: { current: { id: 'stampede', key: message.encryptionKey } },
    migrate: false,
  })
  const lock: RedisLock = createRedisLock({ redis: message.redisUrl, prefix: message.lockPrefix, ttlMs: message.lockTtlMs, logger: { warn: () => undefined } })
  const sync: RedisSync = createRedisSync({ redis: message.redisUrl, channel: message.syncChannel })
  const grantflow = createGrantflow({
    apis: { vat },
    clients: { local: defineClient({ clientId: 'vat-spa', redirectUri: 'http://127.0.0.1/callback' }) },
    environment: 'local',
    apiUser: { company: () => message.company },
    now: () => Date.now() + message.clockOffsetMs,
    interaction: 'none',
    store,
    lock,
    sync: [sync],
  })
  runtime = {
    call: () => grantflow.apis.vat.obligations({ vrn: message.vrn }),
    close: async () => {
      await Promise.allSettled([lock.close(), sync.close(), store.close()])
    },
  }
}

async function call(count: number): Promise<WorkerReply> {
  if (!runtime) throw new Error('call before open')
  const outcomes = await Promise.allSettled(Array.from({ length: count }, () => runtime!.call()))
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [`${(o.reason as Error).name}: ${(o.reason as Error).message}`] : []))
  return { type: 'called', succeeded: count - failures.length, failures }
}

process.on('message', (message: WorkerMessage) => {
  void (async () => {
    if (message.type === 'open') {
      open(message)
      process.send!({ type: 'opened' } satisfies WorkerReply)
    } else {
      process.send!(await call(message.count))
    }
  })()
})
process.on('disconnect', () => {
  void (runtime?.close() ?? Promise.resolve()).finally(() => process.exit(0))
})
