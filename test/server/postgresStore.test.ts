import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { ConfigurationError, emptySession, StorageError, type ApiUser, type PendingAuthorization, type Session } from '../../src/index.js'
import { createPostgresStore, generateEncryptionKey, migrationSql, SessionDecryptionError, type PostgresStoreOptions } from '../../src/server/store/index.js'
import { startPrivatePostgres, useTestDatabase } from '../support/postgres.js'

// The Postgres store beyond the contract (test/testing/storeContract.test.ts): what is on disk
// (sealed claims, queryable columns), keys rotated and rows tampered with, instances racing over
// one database, and a database that goes away and comes back.

const database = useTestDatabase()
let tables = 0
const keyA = { id: 'key-a', key: generateEncryptionKey() }
const keyB = { id: 'key-b', key: generateEncryptionKey() }
const company: ApiUser = { kind: 'company', id: 'acme-ltd' }

let adminPool: ReturnType<typeof database.pool> | undefined
/** The test's own look at the rows, past the store. */
const admin = () => (adminPool ??= database.pool({ max: 2 }))

/** A new table in this file's schema, and a store opener on it (each opener call: a store on a new pool). */
function table(options: Partial<PostgresStoreOptions> = {}) {
  const name = `sessions_${++tables}`
  const open = (more: Partial<PostgresStoreOptions> = {}) =>
    createPostgresStore({ pool: database.pool(), schema: database.schema, table: name, encryption: { current: keyA }, ...options, ...more })
  const raw = async (key: string) => (await admin().query(`SELECT * FROM "${database.schema}"."${name}" WHERE key = $1`, [key])).rows[0]
  const update = (sql: string, params: unknown[]) => admin().query(sql.replaceAll('$table', `"${database.schema}"."${name}"`), params)
  return { name, open, raw, update }
}

function connected(apiUser: ApiUser = company, refreshToken = 'rt-secret-0001'): Session {
  return {
    ...emptySession({ api: 'vat', environment: 'sandbox', apiUser }, 1_000),
    tokens: {
      accessToken: 'at-secret-0001',
      refreshToken,
      tokenType: 'bearer',
      scopes: ['read:vat'],
      expiresAt: 3_600_000,
      idTokenClaims: { sub: 'person-42' },
    },
    version: 1,
  }
}

const pending: PendingAuthorization = {
  state: 'state-0001',
  codeVerifier: 'verifier-secret-0001',
  nonce: 'nonce-secret-0001',
  binding: 'binding-secret-0001',
  scopes: ['write:vat'],
  createdAt: 2_000,
  call: { api: 'vat', endpoint: 'submitReturn', params: { vrn: '123' }, body: { netVatDue: 750 } },
}

describe('the migration', () => {
  it('creates the table once, whatever the number of instances starting together, and keeps its rows when run again', async () => {
    const { open } = table({ migrate: false })
    const starting = [open(), open(), open()]
    await Promise.all(starting.map((store) => store.migrate()))
    await starting[0]!.set(connected(), undefined)
    await open().migrate()
    await admin().query(migrationSql({ schema: database.schema, table: `sessions_${tables}` }))
    expect((await open().get(connected().key))?.tokens?.refreshToken).toBe('rt-secret-0001')
  })

  it('runs by itself on first use', async () => {
    const { open } = table()
    const store = open()
    expect(await store.list(company)).toEqual([])
    expect(store.driver).toBe('pg')
  })
})

describe('tokens at rest', () => {
  // The contract checks that tokens, verifier, nonce, binding and pending call are sealed; here,
  // the ID token's claims too, and what stays in clear columns.
  it("seals the ID token's claims too; who, which API, the state and expiry stay queryable", async () => {
    const { open, raw } = table()
    const session = { ...connected(), pending }
    await open().set(session, undefined)
    const row = await raw(session.key)
    expect(JSON.stringify(row)).not.toContain('person-42')
    expect(row).toMatchObject({
      api: 'vat',
      environment: 'sandbox',
      api_user_kind: 'company',
      api_user_id: 'acme-ltd',
      state: 'state-0001',
      token_expires_at: 3_600_000,
      granted_scopes: ['read:vat'],
      key_id: 'key-a',
      version: 1,
    })
    expect(await open().get(session.key)).toEqual(session)
  })

  it("keys an application session's row by its scope set too", async () => {
    const { open, raw } = table()
    const application = emptySession(
      { api: 'legifrance', environment: 'sandbox', apiUser: { kind: 'application', id: 'application' }, scopes: ['openid', 'api'] },
      1,
    )
    await open().set({ ...application, version: 1 }, undefined)
    expect(await raw(application.key)).toMatchObject({ api_user_kind: 'application', scope_set: 'api openid', tokens_sealed: null })
  })

  it('refuses a row whose ciphertext was changed, or moved from another row, with a typed error and no token', async () => {
    const { open, raw, update } = table()
    const store = open()
    const mine = connected()
    const theirs = connected({ kind: 'company', id: 'other-ltd' }, 'rt-other-0001')
    await store.set(mine, undefined)
    await store.set(theirs, undefined)
    const sealed: string = (await raw(mine.key)).tokens_sealed
    expect(sealed).toMatch(/^v2:/)
    const flipped = Buffer.from(sealed.slice(3), 'base64')
    flipped[flipped.length - 20]! ^= 1
    await update('UPDATE $table SET tokens_sealed = $2 WHERE key = $1', [mine.key, `v2:${flipped.toString('base64')}`])
    const tampered = await store.get(mine.key).catch((error) => error)
    expect(tampered).toBeInstanceOf(SessionDecryptionError)
    expect(tampered).toBeInstanceOf(StorageError)
    expect(tampered.failure).toBe('tampered')
    // Another company's sealed tokens copied into this row do not open as this row's.
    await update('UPDATE $table SET tokens_sealed = (SELECT tokens_sealed FROM $table WHERE key = $2) WHERE key = $1', [mine.key, theirs.key])
    const moved = await store.get(mine.key).catch((error) => error)
    expect(moved).toMatchObject({ failure: 'tampered', code: 'storage_unavailable' })
    expect(JSON.stringify({ ...moved, message: moved.message, json: moved.toJSON() })).not.toMatch(/secret|other-0001/)
    // The other row is untouched.
    expect((await store.get(theirs.key))?.tokens?.refreshToken).toBe('rt-other-0001')
  })

  it('refuses a keyring without a current key, a key of the wrong size, and a table name that is not an identifier', () => {
    const pool = database.pool()
    expect(() => createPostgresStore({ pool, encryption: undefined as never })).toThrow(ConfigurationError)
    expect(() => createPostgresStore({ pool, encryption: { current: { id: 'short', key: new Uint8Array(16) } } })).toThrow(ConfigurationError)
    expect(() => createPostgresStore({ pool, encryption: { current: keyA, previous: [keyA] } })).toThrow(ConfigurationError)
    expect(() => createPostgresStore({ pool, table: 'sessions; DROP TABLE x', encryption: { current: keyA } })).toThrow(ConfigurationError)
  })
})

/** A value sealed as the previous version sealed it: bound to the row's key and the field alone. */
async function sealedByPreviousVersion(value: unknown, key: string, field: string, keyMaterial = keyA.key): Promise<string> {
  const aesKey = await crypto.subtle.importKey('raw', Buffer.from(keyMaterial, 'base64'), 'AES-GCM', false, ['encrypt'])
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const additionalData = new TextEncoder().encode(`grantflow-session\0${key}\0${field}`)
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData }, aesKey, new TextEncoder().encode(JSON.stringify(value)))
  return Buffer.concat([iv, new Uint8Array(sealed)]).toString('base64')
}

describe('columns bound to the sealed values', () => {
  const other: ApiUser = { kind: 'company', id: 'other-ltd' }

  it('refuses a row whose owner, API, environment, scopes or state was changed, and lists the owner’s other sessions', async () => {
    const { open, raw, update } = table()
    const reports: SessionDecryptionError[] = []
    const store = open({ onUnreadable: (error) => reports.push(error) })
    const edits: [string, unknown][] = [
      ['api_user_id', 'other-ltd'],
      ['api_user_kind', 'user'],
      ['api', 'ct'],
      ['environment', 'production'],
      ['granted_scopes', '["read:vat","write:vat"]'],
      ['state', 'state-of-someone-else'],
    ]
    const sessions = edits.map(([column], index) => ({
      ...connected(),
      ...emptySession({ api: `api-${index}-${column}`, environment: 'sandbox', apiUser: company }, 1),
    }))
    const withTokens = (session: Session, index: number): Session => ({
      ...session,
      tokens: connected().tokens!,
      version: 1,
      ...(index === 5 && { pending: { ...pending, state: `state-${index}` } }),
    })
    const written = sessions.map(withTokens)
    for (const session of written) await store.set(session, undefined)
    const untouched = { ...connected(), version: 1 }
    await store.set(untouched, undefined)
    for (const [index, [column, value]] of edits.entries()) await update(`UPDATE $table SET ${column} = $2 WHERE key = $1`, [written[index]!.key, value])

    for (const session of written) {
      const refused = await store.get(session.key).catch((error) => error)
      expect(refused).toMatchObject({ name: 'StorageError', failure: 'tampered', sessionKey: session.key })
      expect(JSON.stringify({ ...refused, message: refused.message, json: refused.toJSON() })).not.toMatch(/secret/)
    }
    expect(await store.findByState('state-of-someone-else').catch((error) => error)).toMatchObject({ failure: 'tampered' })
    // Listed by its clear columns, whoever they now name, a changed row is left out and reported.
    expect(await store.list(company)).toEqual([untouched])
    expect(await store.list(other)).toEqual([])
    expect(await store.list({ kind: 'user', id: 'acme-ltd' })).toEqual([])
    expect(reports.filter((error) => error.failure === 'tampered').map((error) => error.sessionKey)).toEqual(expect.arrayContaining(written.map((s) => s.key)))
    expect(JSON.stringify(reports)).not.toMatch(/secret/)
    // Nothing was re-sealed over the evidence.
    expect((await raw(written[0]!.key)).api_user_id).toBe('other-ltd')
  })

  it('warns on the console, without a secret, when no onUnreadable is given', async () => {
    const { open, update } = table()
    const store = open()
    await store.set(connected(), undefined)
    await update("UPDATE $table SET api_user_id = 'other-ltd' WHERE key = $1", [connected().key])
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      expect(await store.list(other)).toEqual([])
      expect(warn).toHaveBeenCalledTimes(1)
      expect(String(warn.mock.calls[0]![0])).toContain(connected().key)
      expect(JSON.stringify(warn.mock.calls)).not.toMatch(/secret/)
    } finally {
      warn.mockRestore()
    }
    // A monitoring hook that fails changes nothing the store answers.
    const failing = open({
      onUnreadable: () => {
        throw new Error('monitoring down')
      },
    })
    expect(await failing.list(other)).toEqual([])
  })

  it('takes a pending authorization only from a row that says what was sealed', async () => {
    const { open, update } = table()
    const store = open({ onUnreadable: () => undefined })
    await store.set({ ...connected(), pending }, undefined)
    await store.set({ ...connected(other), pending: { ...pending, state: 'state-other' } }, undefined)
    expect(await store.take('state-other')).toMatchObject({ pending: { state: 'state-other' }, session: { apiUser: other } })
    // The other row's owner changed: its pending authorization is not handed out as another's.
    await update("UPDATE $table SET api_user_id = 'other-ltd' WHERE key = $1", [connected().key])
    expect(await store.take(pending.state).catch((error) => error)).toMatchObject({ failure: 'tampered', sessionKey: connected().key })
  })
})

describe('rows of the previous version (bound to their key and field only)', () => {
  it('still open, are checked the same, and reencrypt() moves them to the current binding', async () => {
    const { open, raw, update } = table()
    const reports: SessionDecryptionError[] = []
    const store = open({ onUnreadable: (error) => reports.push(error) })
    const old = { ...connected(), pending }
    const edited = connected({ kind: 'company', id: 'edited-ltd' })
    await store.set(old, undefined)
    await store.set(edited, undefined)
    // As the previous version wrote them.
    for (const session of [old, edited])
      await update('UPDATE $table SET tokens_sealed = $2, pending_sealed = $3 WHERE key = $1', [
        session.key,
        await sealedByPreviousVersion(session.tokens, session.key, 'tokens'),
        session.pending ? await sealedByPreviousVersion(session.pending, session.key, 'pending') : null,
      ])
    expect(await store.get(old.key)).toEqual(old)
    expect(await store.findByState(pending.state)).toEqual(old)
    // Its key still says whose it is: the edited owner is refused.
    await update("UPDATE $table SET api_user_id = 'acme-ltd' WHERE key = $1", [edited.key])
    expect(await store.get(edited.key).catch((error) => error)).toMatchObject({ failure: 'tampered', sessionKey: edited.key })
    expect(await store.list(company)).toEqual([old])

    expect(await store.reencrypt()).toEqual({ reencrypted: 1, unreadable: [edited.key] })
    const moved = await raw(old.key)
    expect(moved).toMatchObject({ key_id: 'key-a', tokens_sealed: expect.stringMatching(/^v2:/), pending_sealed: expect.stringMatching(/^v2:/) })
    expect(await store.get(old.key)).toEqual(old)
    // The tampered row is never re-sealed (that would bind its changed owner): it stays old, refused.
    expect((await raw(edited.key)).tokens_sealed).not.toMatch(/^v2:/)
    expect(await store.reencrypt()).toEqual({ reencrypted: 0, unreadable: [edited.key] })
  })

  it('are refused once moved under another key than the one they were sealed for', async () => {
    const { open, update } = table()
    const store = open({ onUnreadable: () => undefined })
    const mine = connected()
    await store.set(mine, undefined)
    // The previous version's blob of another company's row, under this row's key.
    const theirs = connected({ kind: 'company', id: 'other-ltd' }, 'rt-other-0001')
    await update('UPDATE $table SET tokens_sealed = $2 WHERE key = $1', [mine.key, await sealedByPreviousVersion(theirs.tokens, theirs.key, 'tokens')])
    expect(await store.get(mine.key).catch((error) => error)).toMatchObject({ failure: 'tampered' })
  })
})

describe('key rotation', () => {
  it('reads rows sealed with a previous key, writes with the current one, and re-seals the rest so the old key can go', async () => {
    const { open, raw } = table()
    const before = open()
    const old = connected()
    const oldWaiting = { ...connected({ kind: 'company', id: 'waiting-ltd' }), pending }
    await before.set(old, undefined)
    await before.set(oldWaiting, undefined)
    // Only the new key: the old rows are refused, typed, naming the key they need.
    const withoutA = await open({ encryption: { current: keyB } })
      .get(old.key)
      .catch((error) => error)
    expect(withoutA).toMatchObject({ failure: 'unknown_key', keyId: 'key-a' })

    const rotated = open({ encryption: { current: keyB, previous: [keyA] } })
    expect(await rotated.get(old.key)).toEqual(old)
    const newer = connected({ kind: 'company', id: 'new-ltd' })
    await rotated.set(newer, undefined)
    expect((await raw(newer.key)).key_id).toBe('key-b')

    expect(await rotated.reencrypt({ batchSize: 1 })).toEqual({ reencrypted: 2, unreadable: [] })
    expect((await raw(old.key)).key_id).toBe('key-b')
    const onlyB = open({ encryption: { current: keyB } })
    expect(await onlyB.get(old.key)).toEqual(old)
    expect(await onlyB.findByState(pending.state)).toEqual(oldWaiting)
    expect(await onlyB.take(pending.state)).toMatchObject({ pending })
  })
})

describe('instances racing over one database', () => {
  it('never lose an update: every rotation written by one instance is seen by the next writer, none overwritten', async () => {
    const { open } = table()
    const instances = [open(), open()]
    const first = connected(company, 'rt-0')
    await instances[0]!.set(first, undefined)
    /** One rotation: read the refresh token, write its successor, again if another instance wrote first. */
    const rotate = async (store: (typeof instances)[number]) => {
      for (;;) {
        const current = (await store.get(first.key))!
        const next = Number(current.tokens!.refreshToken!.slice(3)) + 1
        const result = await store.set(
          { ...current, tokens: { ...current.tokens!, refreshToken: `rt-${next}` }, version: current.version! + 1 },
          current.version,
        )
        if (result.written) return
        // Refused: what it answers is never older than what this instance read.
        expect(result.current!.version).toBeGreaterThan(current.version!)
      }
    }
    await Promise.all(instances.flatMap((store) => Array.from({ length: 15 }, () => rotate(store))))
    expect(await instances[1]!.get(first.key)).toMatchObject({ version: 31, tokens: { refreshToken: 'rt-30' } })
  })
})

describe('a database that goes away', () => {
  it('keeps the sessions when the pool is ended and a new one opened', async () => {
    const { name } = table()
    const pool = database.pool()
    const before = createPostgresStore({ pool, schema: database.schema, table: name, encryption: { current: keyA } })
    await before.set({ ...connected(), pending }, undefined)
    await pool.end()
    expect(await before.get(connected().key).catch((error) => error)).toBeInstanceOf(StorageError)
    const after = createPostgresStore({ pool: database.pool(), schema: database.schema, table: name, encryption: { current: keyA } })
    expect(await after.get(connected().key)).toEqual({ ...connected(), pending })
  })

  it('answers StorageError while Postgres restarts, and every session after it', async () => {
    const server = await startPrivatePostgres()
    try {
      const store = createPostgresStore({ connectionString: server.url, encryption: { current: keyA } })
      await store.set({ ...connected(), pending }, undefined)
      const restarting = server.restart()
      // Calls while it is down (or its connections cut) fail typed, never crash the process.
      const during = await Promise.all(
        [store.get(connected().key), store.list(company)].map((call) =>
          call.then(
            () => 'answered',
            (error) => error,
          ),
        ),
      )
      for (const outcome of during) if (outcome !== 'answered') expect(outcome).toBeInstanceOf(StorageError)
      await restarting
      expect(await untilAnswered(() => store.get(connected().key))).toEqual({ ...connected(), pending })
      expect(await store.take(pending.state)).toMatchObject({ pending })
      await store.close()
    } finally {
      await server.stop()
    }
  }, 120_000)

  it('answers StorageError when there is no database at the address', async () => {
    const store = createPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none', encryption: { current: keyA } })
    const error = await store.get('any').catch((e) => e)
    expect(error).toBeInstanceOf(StorageError)
    expect(error.reason).toBe('unavailable')
    await store.close()
  })
})

/** A restarted server's first answer: a connection the pool held from before may fail once, typed. */
async function untilAnswered<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      expect(error).toBeInstanceOf(StorageError)
      if (attempt === 3) throw error
    }
  }
}

describe('the embedded default', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

  it('runs on PGlite with no connection string nor DATABASE_URL, and keeps its sessions in its data directory', async () => {
    vi.stubEnv('DATABASE_URL', '')
    try {
      const dataDir = mkdtempSync(join(tmpdir(), 'grantflow-pglite-'))
      dirs.push(dataDir)
      const first = createPostgresStore({ dataDir, encryption: { current: keyA } })
      await first.set({ ...connected(), pending }, undefined)
      expect(first.driver).toBe('pglite')
      await first.close()
      const reopened = createPostgresStore({ dataDir, encryption: { current: keyA } })
      expect(await reopened.findByState(pending.state)).toEqual({ ...connected(), pending })
      await reopened.close()
      const inMemory = createPostgresStore({ encryption: { current: keyA } })
      expect(await inMemory.get(connected().key)).toBeUndefined()
      expect(inMemory.driver).toBe('pglite')
      await inMemory.close()
    } finally {
      vi.unstubAllEnvs()
    }
  }, 120_000)

  it('uses DATABASE_URL when it is set', async () => {
    vi.stubEnv('DATABASE_URL', database.url)
    try {
      const store = createPostgresStore({ schema: database.schema, table: `sessions_${++tables}`, encryption: { current: keyA } })
      await store.set(connected(), undefined)
      expect(store.driver).toBe('pg')
      await store.close()
    } finally {
      vi.unstubAllEnvs()
    }
  })
})
