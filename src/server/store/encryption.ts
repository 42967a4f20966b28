import { ConfigurationError, StorageError } from '../../errors.js'

/** An encryption key the app provides: a Web Crypto AES-GCM key, or its raw 32 bytes (or their base64). */
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
 * (`unknown_key`), or its ciphertext was changed or moved from another row (`tampered`). A
 * StorageError, so the runtime ends the call typed and recoverable; nothing of the row is in it.
 */
export class SessionDecryptionError extends StorageError {
  // Named StorageError still (its name is that class's): an app catching StorageError catches it.
  readonly failure: DecryptionFailure
  /** The id of the key the row names, never the key. */
  readonly keyId: string
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

/** Seals and opens the secret parts of a row. Each blob is bound to its row and field, so none can be moved to another. */
export interface Sealer {
  readonly currentKeyId: string
  seal(value: unknown, row: string, field: string): Promise<string>
  open(blob: string, keyId: string, row: string, field: string): Promise<unknown>
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
  const aad = (row: string, field: string) => new TextEncoder().encode(`grantflow-session\0${row}\0${field}`)
  return {
    currentKeyId: keyring.current.id,
    async seal(value, row, field) {
      const key = await keys.get(keyring.current.id)!
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const plain = new TextEncoder().encode(JSON.stringify(value))
      const sealed = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad(row, field) }, key, plain))
      return Buffer.concat([iv, sealed]).toString('base64')
    },
    async open(blob, keyId, row, field) {
      const pending = keys.get(keyId)
      if (!pending) throw new SessionDecryptionError('unknown_key', keyId)
      const key = await pending
      const bytes = new Uint8Array(Buffer.from(blob, 'base64'))
      let plain: ArrayBuffer
      try {
        plain = await globalThis.crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: aad(row, field) },
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
