export { createPostgresStore, migrationSql, type PostgresSessionStore, type PostgresStoreOptions, type ReencryptResult } from './postgresStore.js'
export {
  generateEncryptionKey,
  SessionDecryptionError,
  type DecryptionFailure,
  type EncryptionKey,
  type EncryptionKeyMaterial,
  type EncryptionKeyring,
} from './encryption.js'
export type { PGliteLike, PgPoolLike } from './drivers.js'
