import { ConfigurationError } from '../../errors.js'

// One tiny adapter per driver, so that the store's SQL runs the same on a Postgres server (pg)
// and in-process (PGlite). The drivers are optional peers, imported only when used: an app on
// Postgres need not install PGlite, nor one on PGlite pg.

/** What the store needs of a database: one statement with parameters, a script without, an end. */
export interface SqlClient {
  readonly driver: 'pg' | 'pglite'
  query<Row>(text: string, params: unknown[]): Promise<Row[]>
  /** Several statements in one implicit transaction (the migration). */
  exec(text: string): Promise<void>
  /** Ends the connections the store opened itself; a pool or database the app passed is left to the app. */
  close(): Promise<void>
}

/** The part of a `pg` Pool (or Client) the store uses. */
export interface PgPoolLike {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>
  end?(): Promise<void>
}

/** The part of a PGlite database the store uses. */
export interface PGliteLike {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>
  exec(text: string): Promise<unknown>
  close(): Promise<void>
}

export function pgClient(pool: PgPoolLike, owned: boolean): SqlClient {
  return {
    driver: 'pg',
    async query<Row>(text: string, params: unknown[]) {
      return (await pool.query(text, params)).rows as Row[]
    },
    async exec(text) {
      // Without parameters pg sends the simple query protocol: the statements run as one transaction.
      await pool.query(text)
    },
    async close() {
      if (owned) await pool.end?.()
    },
  }
}

export function pgliteClient(db: PGliteLike, owned: boolean): SqlClient {
  return {
    driver: 'pglite',
    async query<Row>(text: string, params: unknown[]) {
      return (await db.query(text, params)).rows as Row[]
    },
    async exec(text) {
      await db.exec(text)
    },
    async close() {
      if (owned) await db.close()
    },
  }
}

async function optionalPeer<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load()
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' || (error as { code?: string }).code === 'MODULE_NOT_FOUND')
      throw new ConfigurationError(`the Postgres store needs the optional dependency ${name}: npm install ${name}`)
    throw error
  }
}

/** A pg Pool of the store's own on this connection string. */
export async function openPg(connectionString: string): Promise<SqlClient> {
  const pg = await optionalPeer('pg', async () => (await import('pg')).default)
  const pool = new pg.Pool({ connectionString })
  // An idle connection the server drops (a restart, a failover) is an 'error' event; unheard,
  // it would end the process. The pool discards that connection and opens another when needed.
  pool.on('error', () => undefined)
  return pgClient(pool, true)
}

/** An in-process PGlite database of the store's own: in memory, or kept in `dataDir`. */
export async function openPglite(dataDir: string | undefined): Promise<SqlClient> {
  const { PGlite } = await optionalPeer('@electric-sql/pglite', () => import('@electric-sql/pglite'))
  const db = await PGlite.create(dataDir)
  return pgliteClient(db, true)
}
