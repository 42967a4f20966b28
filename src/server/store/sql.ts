import { ConfigurationError } from '../../errors.js'

// The SQL of the Postgres store, shared by the pg and PGlite drivers: each statement is one
// round trip, parameters are positional, and no clear token is ever a parameter (only sealed
// blobs), so statement logs and driver errors cannot quote one.

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/

/** Where the sessions live: an optional schema and a table, both checked plain identifiers. */
export interface TableName {
  schema?: string
  table: string
}

export const DEFAULT_TABLE = 'grantflow_sessions'

function checked(name: string, what: string): string {
  if (!IDENTIFIER.test(name))
    throw new ConfigurationError(`the Postgres store's ${what} must be a lower-case SQL identifier (letters, digits, _), got "${name}"`)
  return name
}

/** The statements for one table. */
export function sessionSql({ schema, table }: TableName) {
  const bare = checked(table, 'table')
  const qualified = schema === undefined ? `"${bare}"` : `"${checked(schema, 'schema')}"."${bare}"`
  const columns = `key, api, environment, api_user_kind, api_user_id, scope_set, version, state, pending_created_at,
    token_expires_at, granted_scopes, key_id, tokens_sealed, pending_sealed, errors, updated_at`
  const values = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::jsonb, $12, $13, $14, $15::text::jsonb, $16`
  const assignments = columns
    .split(',')
    .map((column) => column.trim())
    .filter((column) => column !== 'key')
    .map((column) => `${column} = EXCLUDED.${column}`)
    .join(', ')
  return {
    /**
     * Idempotent, and safe when several instances start at once: the advisory lock (held to the
     * end of this one transaction) makes the others wait instead of racing on the catalogue.
     */
    migration: `
      SELECT pg_advisory_xact_lock(hashtext('grantflow:${schema ?? ''}.${bare}'));
      ${schema === undefined ? '' : `CREATE SCHEMA IF NOT EXISTS "${schema}";`}
      CREATE TABLE IF NOT EXISTS ${qualified} (
        key text PRIMARY KEY,
        api text NOT NULL,
        environment text NOT NULL,
        api_user_kind text NOT NULL,
        api_user_id text NOT NULL,
        -- The scope set an application session is keyed by; NULL for the other API users.
        scope_set text,
        version integer,
        -- The pending authorization's state, in clear: how a callback finds its session.
        state text,
        pending_created_at double precision,
        token_expires_at double precision,
        granted_scopes jsonb,
        -- The keyring id of the key that sealed tokens_sealed and pending_sealed.
        key_id text NOT NULL,
        tokens_sealed text,
        pending_sealed text,
        errors jsonb NOT NULL DEFAULT '[]',
        updated_at double precision NOT NULL
      );
      CREATE UNIQUE INDEX IF NOT EXISTS "${bare}_state_key" ON ${qualified} (state) WHERE state IS NOT NULL;
      CREATE INDEX IF NOT EXISTS "${bare}_api_user_idx" ON ${qualified} (api_user_kind, api_user_id);
      CREATE INDEX IF NOT EXISTS "${bare}_key_id_idx" ON ${qualified} (key_id);
    `,
    get: `SELECT * FROM ${qualified} WHERE key = $1`,
    /** Nothing expected: a new row, or over one written before versions. */
    insert: `INSERT INTO ${qualified} AS t (${columns}) VALUES (${values})
      ON CONFLICT (key) DO UPDATE SET ${assignments} WHERE t.version IS NULL RETURNING key`,
    update: `UPDATE ${qualified} SET (${columns}) = (${values}) WHERE key = $1 AND version = $17 RETURNING key`,
    delete: `DELETE FROM ${qualified} WHERE key = $1`,
    list: `SELECT * FROM ${qualified} WHERE api_user_kind = $1 AND api_user_id = $2 ORDER BY key`,
    findByState: `SELECT * FROM ${qualified} WHERE state = $1`,
    /**
     * One statement: of concurrent takers, the row lock lets one through and the others find the
     * state gone. The joined row is the one before the update, so its sealed pending comes back.
     */
    take: `UPDATE ${qualified} AS t SET state = NULL, pending_sealed = NULL, pending_created_at = NULL, version = COALESCE(t.version, 0) + 1
      FROM (SELECT key, pending_sealed FROM ${qualified} WHERE state = $1 FOR UPDATE) AS old
      WHERE t.key = old.key RETURNING t.*, old.pending_sealed AS taken_sealed`,
    /**
     * Rows sealed with another key than the current one, or by an older version (sealed values
     * without the `v2:` binding prefix), a page at a time in key order.
     */
    toReseal: `SELECT * FROM ${qualified}
      WHERE (key_id <> $1 OR tokens_sealed NOT LIKE 'v2:%' OR pending_sealed NOT LIKE 'v2:%') AND key > $2 ORDER BY key LIMIT $3`,
    /** Re-sealing changes no content, so no version: it only holds if no one wrote meanwhile (nor took the pending). */
    reseal: `UPDATE ${qualified} SET key_id = $2, tokens_sealed = $3, pending_sealed = $4
      WHERE key = $1 AND version IS NOT DISTINCT FROM $5 AND key_id = $6
        AND tokens_sealed IS NOT DISTINCT FROM $7 AND pending_sealed IS NOT DISTINCT FROM $8 RETURNING key`,
  }
}

export type SessionSql = ReturnType<typeof sessionSql>
