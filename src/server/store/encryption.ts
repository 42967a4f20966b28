import type { CryptoKey } from 'oauth4webapi'
import { ConfigurationError, StorageError } from '../../errors.js'

/**
 * An encryption key the app provides: a Web Crypto AES-GCM key, or its raw 32 bytes (or their
 * base64). The key's type is oauth4webapi's `CryptoKey` (the host's, or a structural one): a Node
 * project's declarations with `lib: ["ES2023"]` have no global `CryptoKey` type.
 */
export type EncryptionKeyMaterial = CryptoKey | Uint8Array | string

/** One key of the keyring, named so that each stored row can say which key sealed it. */
export interface EncryptionKey {
  id: string
  key: EncryptionKeyMaterial
}

/**
 * The keys that seal tokens at rest: new writes use `current`; a row sealed with an older key is
 * still read while that key is in `previous`, until `reencrypt()` has moved every row to `current`.
 */
export interface EncryptionKeyring {
  current: EncryptionKey
  previous?: EncryptionKey[]
}

export type DecryptionFailure = 'unknown_key' | 'tampered'

/**
 * A stored session could not be opened: sealed with a key the keyring does not hold
 * (`unknown_key`), or `tampered`: its ciphertext was changed or moved from another row, or a
 * column saying whose session it is and what for (owner, API, environment, scopes, state) no
 * longer matches what was sealed. A StorageError, so the runtime ends the call typed; nothing of
 * the row's secrets is in it.
 */
export class SessionDecryptionError extends StorageError {
  // Named StorageError still (its name is that class's): an app catching StorageError catches it.
  readonly failure: DecryptionFailure
  /** The id of the key the row names, never the key. */
  readonly keyId: string
  /** The key of the row that could not be opened (who and what it is for, no secret), once known. */
  sessionKey?: string
  constructor(failure: DecryptionFailure, keyId: string) {
    super(undefined)
    this.message =
      failure === 'unknown_key'
        ? `a stored session is sealed with key "${keyId}", which the keyring does not hold`
        : 'a stored session failed its integrity check'
    this.failure = failure
    this.keyId = keyId
  }
}

/**
 * What a row says it is: the columns naming whose session it is and which API, environment and
 * scope set it is for. Each sealed value is bound to all of them (AES-GCM additional data), so a
 * changed column, or a sealed value moved to a row that says otherwise, no longer opens.
 */
export interface RowIdentity {
  key: string
  api: string
  environment: string
  apiUserKind: string
  apiUserId: string
  scopeSet: string | null
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/
const IV_BYTES = 12

/** A fresh random key, base64, for `encryption: { current: { id, key } }` (keep it in a secret manager). */
export function generateEncryptionKey(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(32))).toString('base64')
}

/** Checked at once (a wrong key fails at start-up, not at the first call); imported once, asynchronously. */
function importKey(material: EncryptionKeyMaterial, id: string): Promise<CryptoKey> {
  if (typeof material === 'object' && !(material instanceof Uint8Array)) {
    if (material?.algorithm?.name !== 'AES-GCM' || !material.usages.includes('encrypt') || !material.usages.includes('decrypt'))
      throw new ConfigurationError(`encryption key "${id}" must be an AES-GCM key usable to encrypt and decrypt`)
    return Promise.resolve(material)
  }
  const raw = new Uint8Array(typeof material === 'string' ? Buffer.from(material, 'base64') : material)
  if (raw.byteLength !== 32) throw new ConfigurationError(`encryption key "${id}" must be 32 bytes (AES-256), got ${raw.byteLength}`)
  return globalThis.crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
}

/**
 * Seals and opens the secret parts of a row. Each blob is bound to its field and to every column
 * of the row's identity, so none can be moved to another row, nor its row be given to someone else.
 */
export interface Sealer {
  readonly currentKeyId: string
  seal(value: unknown, identity: RowIdentity, field: string): Promise<string>
  open(blob: string, keyId: string, identity: RowIdentity, field: string): Promise<unknown>
  /** Whether a blob is sealed the way this version seals (not a row of an older version's). */
  isCurrentBinding(blob: string): boolean
}

/**
 * Sealed values of this version start with it; older ones (bare base64, which never holds a ':')
 * were bound to the row's key and field only. Those still open, as the migration path: their key
 * is recomputed from the row's columns on reading (see rows.ts), and `reencrypt()` re-seals them.
 */
const BINDING_V2 = 'v2:'

function additionalData(identity: RowIdentity, field: string, legacy: boolean): Uint8Array<ArrayBuffer> {
  if (legacy) return new TextEncoder().encode(`grantflow-session\0${identity.key}\0${field}`)
  const { key, api, environment, apiUserKind, apiUserId, scopeSet } = identity
  return new TextEncoder().encode(JSON.stringify(['grantflow-session', 2, field, key, api, environment, apiUserKind, apiUserId, scopeSet]))
}

/** Checks the keyring now (a wrong one is a ConfigurationError at start-up) and imports its keys once. */
export function createSealer(keyring: EncryptionKeyring): Sealer {
  if (!keyring?.current) throw new ConfigurationError('the Postgres store needs encryption: { current: { id, key } } to seal tokens at rest')
  const entries = [keyring.current, ...(keyring.previous ?? [])]
  const ids = new Set<string>()
  for (const { id } of entries) {
    if (typeof id !== 'string' || !KEY_ID.test(id))
      throw new ConfigurationError('an encryption key id must be 1-64 letters, digits, dots, dashes or underscores')
    if (ids.has(id)) throw new ConfigurationError(`encryption key id "${id}" is used twice`)
    ids.add(id)
  }
  const keys = new Map(entries.map(({ id, key }) => [id, importKey(key, id)]))
  // Awaited at each use; a rejection meanwhile (Web Crypto refusing a key) must not be unhandled.
  for (const pending of keys.values()) pending.catch(() => undefined)
  return {
    currentKeyId: keyring.current.id,
    isCurrentBinding: (blob) => blob.startsWith(BINDING_V2),
    async seal(value, identity, field) {
      const key = await keys.get(keyring.current.id)!
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const plain = new TextEncoder().encode(JSON.stringify(value))
      const additional = additionalData(identity, field, false)
      const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additional }, key, plain))
      return BINDING_V2 + Buffer.concat([iv, sealed]).toString('base64')
    },
    async open(blob, keyId, identity, field) {
      const pending = keys.get(keyId)
      if (!pending) throw new SessionDecryptionError('unknown_key', keyId)
      const key = await pending
      const legacy = !blob.startsWith(BINDING_V2)
      const bytes = new Uint8Array(Buffer.from(legacy ? blob : blob.slice(BINDING_V2.length), 'base64'))
      let plain: ArrayBuffer
      try {
        plain = await globalThis.crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: additionalData(identity, field, legacy) },
          key,
          bytes.subarray(IV_BYTES),
        )
      } catch {
        throw new SessionDecryptionError('tampered', keyId)
      }
      try {
        return JSON.parse(new TextDecoder().decode(plain))
      } catch {
        throw new SessionDecryptionError('tampered', keyId)
      }
    },
  }
}
