import { GrantflowError, StorageError } from '../../errors.js'
import type { ApiUser, Session } from '../../model/session.js'
import type { SessionStore, TakenAuthorization } from '../../session/store.js'
import { openPg, openPglite, pgClient, pgliteClient, type PGliteLike, type PgPoolLike, type SqlClient } from './drivers.js'
import { createSealer, SessionDecryptionError, type EncryptionKeyring } from './encryption.js'
import { needsResealing, rowSession, sessionParams, type SessionRow } from './rows.js'
import { DEFAULT_TABLE, sessionSql } from './sql.js'

export interface PostgresStoreOptions {
  /** The keys that seal tokens and pending authorizations at rest (see EncryptionKeyring). */
  encryption: EncryptionKeyring
  /** A `pg` Pool of the app's (it stays the app's to end). */
  pool?: PgPoolLike
  /** A Postgres URL: the store opens its own `pg` Pool. Default: `process.env.DATABASE_URL`. */
  connectionString?: string
  /** A PGlite database of the app's. */
  pglite?: PGliteLike
  /**
   * With no pool, connection string nor `DATABASE_URL`: the embedded PGlite keeps its data in this
   * directory (default: in memory, gone when the process ends).
   */
  dataDir?: string
  /** Default `grantflow_sessions`. */
  table?: string
  /** Default: the connection's search path (`public`). Created by the migration if missing. */
  schema?: string
  /** Run the migration on first use (default), or not: the app runs `migrate()` or `migrationSql()` itself. */
  migrate?: boolean
  /**
   * Told of every row the store could not open, wherever it met one: tampered with (a column
   * saying whose it is or what for changed, a sealed value changed or moved) or sealed with a key
   * the keyring lacks. `list()` leaves such a row out and goes on; `get`, `findByState`, `take`
   * and `set` fail with the same error (`reencrypt()` counts it unreadable). The error holds the
   * row's `sessionKey`, never a secret. Default: a warning on the console. What it throws is ignored.
   */
  onUnreadable?: (error: SessionDecryptionError) => void
}

export interface ReencryptResult {
  /** Rows moved to the current key, and rows of an older version moved to the current binding. */
  reencrypted: number
  /** Keys of rows that could not be opened (unknown key, tampered), left as they are. */
  unreadable: string[]
}

/** A session store in Postgres (or PGlite), safe to share between any number of instances. */
export interface PostgresSessionStore extends SessionStore {
  readonly survivesReload: true
  /** Which driver the store runs on, once it has opened its connection (after `migrate()`). */
  readonly driver: 'pg' | 'pglite' | undefined
  /** Creates the table and its indexes if they are missing; idempotent. */
  migrate(): Promise<void>
  /**
   * Re-seals every row sealed with a previous key with the current one, so the old key can be
   * retired, and every row an older version sealed (bound to its key alone) with the current binding.
   */
  reencrypt(options?: { batchSize?: number }): Promise<ReencryptResult>
  /** Ends the connection the store opened (a pool or PGlite the app passed is the app's to end). */
  close(): Promise<void>
}

/** The migration as SQL, for apps that run their migrations with their own tool. */
export function migrationSql(options: { table?: string; schema?: string } = {}): string {
  return sessionSql({ table: options.table ?? DEFAULT_TABLE, ...(options.schema !== undefined && { schema: options.schema }) }).migration
}

function openClient(options: PostgresStoreOptions): Promise<SqlClient> {
  if (options.pool) return Promise.resolve(pgClient(options.pool, false))
  if (options.pglite) return Promise.resolve(pgliteClient(options.pglite, false))
  const url = options.connectionString ?? (options.dataDir === undefined ? globalThis.process?.env?.DATABASE_URL || undefined : undefined)
  return url ? openPg(url) : openPglite(options.dataDir)
}

/**
 * A session store in Postgres: one row per session, compare-and-set writes on its version and a
 * single-statement take, so instances sharing the database never lose an update nor use a code
 * twice. Tokens and pending authorizations are sealed with AES-GCM (Web Crypto) under the app's
 * keyring. With no pool, connection string nor `DATABASE_URL`, it runs on an embedded PGlite.
 *
 * @example
 * const store = createPostgresStore({
 *   connectionString: process.env.DATABASE_URL,
 *   encryption: { current: { id: '2026-12', key: process.env.GRANTFLOW_KEY! } },
 *   // A row edited past the store (its owner, API, environment, scopes) is refused and reported here.
 *   onUnreadable: (error) => logger.warn({ sessionKey: error.sessionKey, failure: error.failure }, error.message),
 * })
 * const grantflow = createGrantflow({ apis, clients, store })
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresSessionStore {
  const sealer = createSealer(options.encryption)
  const sql = sessionSql({ table: options.table ?? DEFAULT_TABLE, ...(options.schema !== undefined && { schema: options.schema }) })
  let client: Promise<SqlClient> | undefined
  let migrated: Promise<void> | undefined
  let driver: 'pg' | 'pglite' | undefined

  const connection = () => {
    client ??= openClient(options).then(
      (opened) => ((driver = opened.driver), opened),
      (error) => {
        client = undefined
        throw error
      },
    )
    return client
  }
  const migrate = () => {
    migrated ??= connection()
      .then((db) => db.exec(sql.migration))
      .catch((error) => {
        // A database down at start-up: the next use tries again.
        migrated = undefined
        throw error
      })
    return migrated
  }
  const ready = async () => {
    const db = await connection()
    if (options.migrate !== false) await migrate()
    return db
  }
  /** Driver failures as StorageError: a database's message can quote what it was given. */
  const guarded = async <T>(work: (db: SqlClient) => Promise<T>): Promise<T> => {
    try {
      return await work(await ready())
    } catch (error) {
      throw error instanceof GrantflowError ? error : new StorageError(error)
    }
  }
  const report =
    options.onUnreadable ??
    ((error: SessionDecryptionError) => console.warn(`grantflow: the stored session "${error.sessionKey}" was not opened: ${error.message}`))
  /** The session of a row; an unreadable row reported, then thrown (or, `skip`, left out). */
  const opened = async (row: SessionRow, { skip = false, taken }: { skip?: boolean; taken?: { sealed: string | null; state: string } } = {}) => {
    try {
      return await rowSession(row, sealer, taken)
    } catch (error) {
      if (!(error instanceof SessionDecryptionError)) throw error
      try {
        report(error)
      } catch {
        // The app's monitoring failing does not change what the store answers.
      }
      if (skip) return undefined
      throw error
    }
  }
  const sessionOf = (row: SessionRow | undefined) => (row ? opened(row) : Promise.resolve(undefined))
  const get = (key: string) => guarded(async (db) => sessionOf((await db.query<SessionRow>(sql.get, [key]))[0]))

  return {
    survivesReload: true,
    get driver() {
      return driver
    },
    migrate: () => guarded(() => migrate()),
    get,
    async set(session, expected) {
      const written = await guarded(async (db) => {
        const params = await sessionParams(session, sealer)
        const rows = expected === undefined ? await db.query(sql.insert, params) : await db.query(sql.update, [...params, expected])
        return rows.length === 1
      })
      return written ? { written: true } : { written: false, current: await get(session.key) }
    },
    delete: (key) =>
      guarded(async (db) => {
        await db.query(sql.delete, [key])
      }),
    list: (apiUser: ApiUser) =>
      guarded(async (db) => {
        const rows = await db.query<SessionRow>(sql.list, [apiUser.kind, apiUser.id])
        // One row that cannot be opened is reported and left out: the user's other sessions still list.
        const sessions = await Promise.all(rows.map((row) => opened(row, { skip: true })))
        return sessions.filter((session): session is Session => session !== undefined)
      }),
    findByState: (state) => guarded(async (db) => sessionOf((await db.query<SessionRow>(sql.findByState, [state]))[0])),
    take: (state) =>
      guarded(async (db): Promise<TakenAuthorization | undefined> => {
        const [row] = await db.query<SessionRow & { taken_sealed: string | null }>(sql.take, [state])
        if (!row) return undefined
        const withTaken = await opened(row, { taken: { sealed: row.taken_sealed, state } })
        if (!withTaken?.pending) return undefined
        const { pending, ...session } = withTaken
        return { pending, session }
      }),
    reencrypt: ({ batchSize = 100 } = {}) =>
      guarded(async (db) => {
        const result: ReencryptResult = { reencrypted: 0, unreadable: [] }
        for (let after = ''; ;) {
          const page = await db.query<SessionRow>(sql.toReseal, [sealer.currentKeyId, after, batchSize])
          for (const first of page) {
            if (await reseal(db, first)) result.reencrypted += 1
            else result.unreadable.push(first.key)
          }
          if (page.length < batchSize) return result
          after = page[page.length - 1]!.key
        }
      }),
    close: async () => {
      const opened = client
      client = undefined
      migrated = undefined
      await (await opened?.catch(() => undefined))?.close()
    },
  }

  /**
   * Re-seals one row, reading it again if a write came in between; false when it cannot be opened
   * (a tampered row is never re-sealed: that would bind its changed columns).
   */
  async function reseal(db: SqlClient, first: SessionRow): Promise<boolean> {
    for (let row: SessionRow | undefined = first; row && needsResealing(row, sealer);) {
      let session: Session | undefined
      try {
        session = await opened(row)
      } catch (error) {
        if (error instanceof GrantflowError) return false
        throw error
      }
      if (!session) return false
      const params = await sessionParams(session, sealer)
      const [, , , , , , , , , , , keyId, tokens, pending] = params
      const done = await db.query(sql.reseal, [row.key, keyId, tokens, pending, row.version, row.key_id, row.tokens_sealed, row.pending_sealed])
      if (done.length === 1) return true
      row = (await db.query<SessionRow>(sql.get, [row.key]))[0]
    }
    // Deleted, or written with the current key meanwhile.
    return true
  }
}
