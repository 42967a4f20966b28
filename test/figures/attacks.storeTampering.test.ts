import { expect, it } from 'vitest'
import { createGrantflow, defineClient, emptySession, hmrc, StorageError, type Session } from '../../src/index.js'
import { createPostgresStore, generateEncryptionKey, SessionDecryptionError } from '../../src/server/store/index.js'
import { createProviderKit, hmrcVatRoutes } from '../../src/testing/index.js'
import { recordFigure, type FigureTask } from '../support/figures.js'
import { useTestDatabase } from '../support/postgres.js'
import { findSecrets } from '../support/secretScan.js'
import { REDIRECT_URI, testClock, useMsw, vat, VRN } from '../support/vatWorld.js'

// Attacks by someone who can write the sessions table but holds no encryption key (a leaked
// database credential, a rogue migration, a SQL injection elsewhere in the app): they edit the
// clear columns of a row, or move rows' sealed values about, and wait for the app to hand the
// tokens to the wrong user or API. Each goes through the runtime a server app uses
// (`createGrantflow({ store })`, called per request with `withContext`), on a real Postgres, an
// instance started after the edit (so nothing is served from memory). Each counts on the suite's
// `attacks:` line; `tokenChanges` counts rows whose sealed tokens the app rewrote afterwards
// (the tampered row stays as it is, for the operator to look at).

const server = useMsw()
const database = useTestDatabase()
const encryption = { current: { id: 'tamper', key: generateEncryptionKey() } }
const query = { vrn: VRN, from: '2025-01-01', to: '2025-12-31' }
let tables = 0

/** An app on a Postgres table of its own, its companies connected at the fake HMRC, and SQL past the store. */
async function tamperWorld() {
  const table = `"${database.schema}"."sessions_${++tables}"`
  const admin = database.pool({ max: 1 })
  const reports: SessionDecryptionError[] = []
  const clock = testClock()
  const kit = createProviderKit({
    provider: hmrc,
    environment: 'sandbox',
    clients: [{ clientId: 'vat-app', authMethod: 'none', redirectUris: [REDIRECT_URI] }],
    api: hmrcVatRoutes(),
    accessTokenTtlSeconds: 4 * 3600,
    now: clock.now,
  })
  server.use(...kit.handlers)
  const openStore = () =>
    createPostgresStore({
      pool: database.pool({ max: 2 }),
      schema: database.schema,
      table: `sessions_${tables}`,
      encryption,
      onUnreadable: (error) => reports.push(error),
    })
  /** One instance of the app: each request's company from its context. */
  const instance = () =>
    createGrantflow<{ vat: typeof vat }, { company: string }>({
      apis: { vat },
      clients: { hmrc: defineClient({ clientId: 'vat-app', redirectUri: REDIRECT_URI }) },
      environment: 'sandbox',
      apiUser: { company: (context) => context.company },
      now: clock.now,
      store: openStore(),
    })
  const first = instance()
  const store = openStore()
  /** The company consents at HMRC and its first call is made; its stored session. */
  const connect = async (company: string): Promise<Session> => {
    const consent = await first
      .withContext({ company })
      .apis.vat.obligations(query)
      .catch((error) => error)
    await first.completeAuthorization(await kit.authorize(consent.authorizationUrl), { binding: consent.binding })
    await first.withContext({ company }).apis.vat.obligations(query)
    const [session] = await first.withContext({ company }).sessions.list('company')
    return session!
  }
  const sql = async (text: string, params: unknown[] = []) => (await admin.query(text.replaceAll('$table', table), params)).rows
  const sealed = async () => JSON.stringify(await sql('SELECT key, tokens_sealed FROM $table ORDER BY key'))
  return { kit, store, reports, instance, connect, sql, sealed }
}

function attack(label: string, run: (figure: ReturnType<typeof recordFigure>) => Promise<void>) {
  it(label, async (context: FigureTask) => {
    const figure = recordFigure(context, { group: 'attacks', label, facts: { rejected: false }, counts: { tokenChanges: 0 } })
    await run(figure)
    figure.facts!.rejected = true
  })
}

const secretsOf = (...sessions: Session[]) => sessions.flatMap((session) => [session.tokens?.accessToken ?? '', session.tokens?.refreshToken ?? ''])
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )

/** A refusal as the store gives it: typed, a StorageError, naming the row and no secret of it. */
function expectTampered(outcome: { error?: unknown; value?: unknown }, key: string, secrets: string[]) {
  expect(outcome).toEqual({ error: expect.any(SessionDecryptionError) })
  expect(outcome.error).toBeInstanceOf(StorageError)
  expect(outcome.error).toMatchObject({ failure: 'tampered', code: 'storage_unavailable', sessionKey: key })
  expect(findSecrets(outcome.error, secrets)).toEqual([])
}

attack("a row's api_user_id changed to another company's: that company does not get the tokens", async (figure) => {
  const world = await tamperWorld()
  const acme = await world.connect('acme-ltd')
  const mallory = await world.connect('mallory-ltd')
  await world.sql('UPDATE $table SET api_user_id = $2 WHERE key = $1', [acme.key, 'mallory-ltd'])
  const before = await world.sealed()
  const calls = world.kit.counters.apiCalls

  const app = world.instance()
  // Mallory's own session lists, Acme's does not; asked for by its key, it is refused.
  const listed = await app.withContext({ company: 'mallory-ltd' }).sessions.list('company')
  expect(listed.map((session) => session.tokens?.accessToken)).toEqual([mallory.tokens!.accessToken])
  expectTampered(await failureOf(app.withContext({ company: 'mallory-ltd' }).sessions.get(acme.key)), acme.key, secretsOf(acme))
  await expect(app.withContext({ company: 'mallory-ltd' }).sessions.disconnect(acme.key)).rejects.toBeInstanceOf(SessionDecryptionError)
  // Acme's own call fails typed rather than send its token under another owner's row.
  expectTampered(await failureOf(app.withContext({ company: 'acme-ltd' }).apis.vat.obligations(query)), acme.key, secretsOf(acme))
  await expect(app.withContext({ company: 'mallory-ltd' }).apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
  expect(world.kit.counters.apiCalls - calls).toBe(1)
  expect(world.kit.counters.revocations).toBe(0)

  expect(world.reports.map((error) => error.sessionKey)).toContain(acme.key)
  expect(findSecrets(world.reports, secretsOf(acme, mallory))).toEqual([])
  figure.counts!.tokenChanges = before === (await world.sealed()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)
})

attack("two companies' sealed tokens swapped between their rows: neither opens as the other's", async (figure) => {
  const world = await tamperWorld()
  const acme = await world.connect('acme-ltd')
  const mallory = await world.connect('mallory-ltd')
  // The sealed tokens moved together with the key they are sealed under, each row's owner columns
  // left as they were: each company's row now holds the other's tokens.
  await world.sql(`UPDATE $table SET api_user_id = CASE WHEN key = $1 THEN 'mallory-ltd' ELSE 'acme-ltd' END WHERE key IN ($1, $2)`, [acme.key, mallory.key])
  const before = await world.sealed()
  const calls = world.kit.counters.apiCalls

  const app = world.instance()
  for (const [company, theirs] of [
    ['acme-ltd', mallory],
    ['mallory-ltd', acme],
  ] as const) {
    const scoped = app.withContext({ company })
    expect(await scoped.sessions.list('company')).toEqual([])
    expectTampered(await failureOf(scoped.sessions.get(theirs.key)), theirs.key, secretsOf(acme, mallory))
    expectTampered(await failureOf(scoped.apis.vat.obligations(query)), theirs === acme ? mallory.key : acme.key, secretsOf(acme, mallory))
  }
  expect(world.kit.counters.apiCalls).toBe(calls)
  figure.counts!.tokenChanges = before === (await world.sealed()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)

  // The owners put back and the sealed column alone swapped: each was sealed for the other row.
  await world.sql(`UPDATE $table SET api_user_id = CASE WHEN key = $1 THEN 'acme-ltd' ELSE 'mallory-ltd' END WHERE key IN ($1, $2)`, [acme.key, mallory.key])
  await world.sql(
    `UPDATE $table AS t SET tokens_sealed = o.tokens_sealed FROM $table AS o
     WHERE t.key IN ($1, $2) AND o.key IN ($1, $2) AND o.key <> t.key`,
    [acme.key, mallory.key],
  )
  for (const [company, own, theirs] of [
    ['acme-ltd', acme, mallory],
    ['mallory-ltd', mallory, acme],
  ] as const) {
    const scoped = world.instance().withContext({ company })
    expect(await scoped.sessions.list('company')).toEqual([])
    expectTampered(await failureOf(scoped.sessions.get(own.key)), own.key, secretsOf(theirs))
  }
  expect(findSecrets(world.reports, secretsOf(acme, mallory))).toEqual([])
})

attack("a row's environment changed (sandbox to production): its tokens are not served as production's", async (figure) => {
  const world = await tamperWorld()
  const acme = await world.connect('acme-ltd')
  await world.sql("UPDATE $table SET environment = 'production' WHERE key = $1", [acme.key])
  const before = await world.sealed()
  const calls = world.kit.counters.apiCalls

  const scoped = world.instance().withContext({ company: 'acme-ltd' })
  expect(await scoped.sessions.list('company')).toEqual([])
  expectTampered(await failureOf(scoped.sessions.get(acme.key)), acme.key, secretsOf(acme))
  expectTampered(await failureOf(scoped.apis.vat.obligations(query)), acme.key, secretsOf(acme))
  expect(world.kit.counters.apiCalls).toBe(calls)
  expect(world.reports.map((error) => error.sessionKey)).toContain(acme.key)
  figure.counts!.tokenChanges = before === (await world.sealed()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)
})

attack("a row's scopes changed (a company's granted scopes, an application's scope set): refused", async (figure) => {
  const world = await tamperWorld()
  const acme = await world.connect('acme-ltd')
  // The application's token for one scope set, as a client credentials grant stores it.
  const application = {
    ...emptySession({ api: 'legifrance', environment: 'sandbox', apiUser: { kind: 'application', id: 'application' }, scopes: ['openid'] }, 1),
    tokens: { accessToken: 'at-application-0001', tokenType: 'bearer', scopes: ['openid'] },
    version: 1,
  } satisfies Session
  await world.store.set(application, undefined)
  await world.sql(`UPDATE $table SET granted_scopes = '["read:vat","write:vat"]' WHERE key = $1`, [acme.key])
  await world.sql("UPDATE $table SET scope_set = 'openid admin' WHERE key = $1", [application.key])
  const before = await world.sealed()
  const calls = world.kit.counters.apiCalls

  const app = world.instance()
  const scoped = app.withContext({ company: 'acme-ltd' })
  expect(await scoped.sessions.list('company')).toEqual([])
  expectTampered(await failureOf(scoped.apis.vat.obligations(query)), acme.key, secretsOf(acme))
  expect(await app.sessions.list({ kind: 'application', id: 'application' })).toEqual([])
  expectTampered(await failureOf(app.sessions.get(application.key)), application.key, secretsOf(application))
  expect(world.kit.counters.apiCalls).toBe(calls)
  expect(findSecrets(world.reports, secretsOf(acme, application))).toEqual([])
  figure.counts!.tokenChanges = before === (await world.sealed()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)
})

attack("one tampered row among a company's three: the other two still list, the one is reported", async (figure) => {
  const world = await tamperWorld()
  const vatSession = await world.connect('acme-ltd')
  const acme = vatSession.apiUser
  // Two more of Acme's sessions, as other APIs and environments of the app store them.
  const more = ['corporation-tax', 'payroll'].map((api, index) => ({
    ...emptySession({ api, environment: 'sandbox', apiUser: acme }, 10),
    tokens: { accessToken: `at-${api}-0001`, refreshToken: `rt-${api}-0001`, tokenType: 'bearer', scopes: ['read'], expiresAt: 3_600_000 + index },
    version: 1,
  }))
  for (const session of more) await world.store.set(session, undefined)
  // One bit of one row's ciphertext flipped.
  const [row] = (await world.sql('SELECT tokens_sealed FROM $table WHERE key = $1', [more[0]!.key])) as { tokens_sealed: string }[]
  // After the binding's prefix, if any: the ciphertext itself.
  const prefix = row!.tokens_sealed.slice(0, row!.tokens_sealed.indexOf(':') + 1)
  const bytes = Buffer.from(row!.tokens_sealed.slice(prefix.length), 'base64')
  bytes[bytes.length - 20]! ^= 1
  await world.sql('UPDATE $table SET tokens_sealed = $2 WHERE key = $1', [more[0]!.key, prefix + bytes.toString('base64')])
  const before = await world.sealed()

  const scoped = world.instance().withContext({ company: 'acme-ltd' })
  const listed = await scoped.sessions.list('company')
  expect(listed.map((session) => session.key).sort()).toEqual([vatSession.key, more[1]!.key].sort())
  expect(world.reports).toHaveLength(1)
  expect(world.reports[0]).toMatchObject({ failure: 'tampered', sessionKey: more[0]!.key })
  expect(findSecrets(world.reports, secretsOf(vatSession, ...more))).toEqual([])
  // The others are used as before.
  await expect(scoped.apis.vat.obligations(query)).resolves.toMatchObject({ obligations: expect.any(Array) })
  figure.counts!.tokenChanges = before === (await world.sealed()) ? 0 : 1
  expect(figure.counts!.tokenChanges).toBe(0)
})
