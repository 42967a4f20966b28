import type { ApiUserKind } from '../../model/api.js'
import { sessionKey, type Session } from '../../model/session.js'
import { parseSessionRecord } from '../../session/sessionRecord.js'
import { SessionDecryptionError, type RowIdentity, type Sealer } from './encryption.js'

/** A row of the sessions table as both drivers return it. */
export interface SessionRow {
  key: string
  api: string
  environment: string
  api_user_kind: string
  api_user_id: string
  scope_set: string | null
  version: number | null
  state: string | null
  granted_scopes: unknown
  key_id: string
  tokens_sealed: string | null
  pending_sealed: string | null
  errors: unknown
  updated_at: number
}

/** The scope set an application session's key ends with (see sessionKey), or null. */
function scopeSet(session: Session): string | null {
  const parts = session.key.split('/')
  return session.apiUser.kind === 'application' && parts.length > 3 ? decodeURIComponent(parts[3]!) : null
}

function sessionIdentity(session: Session): RowIdentity {
  const { key, api, environment, apiUser } = session
  return { key, api, environment, apiUserKind: apiUser.kind, apiUserId: apiUser.id, scopeSet: scopeSet(session) }
}

function rowIdentity(row: SessionRow): RowIdentity {
  const { key, api, environment, api_user_kind: apiUserKind, api_user_id: apiUserId, scope_set: scopeSet } = row
  return { key, api, environment, apiUserKind, apiUserId, scopeSet }
}

/**
 * The parameters of the insert and update statements: the tokens and the pending authorization
 * (PKCE verifier, nonce, binding, the kept call) sealed whole, each bound to the row's identity;
 * what is not secret (who, which API, the state, expiry and granted scopes, the errors) in clear
 * columns an operator can query.
 */
export async function sessionParams(session: Session, sealer: Sealer): Promise<unknown[]> {
  const { tokens, pending } = session
  const identity = sessionIdentity(session)
  return [
    session.key,
    session.api,
    session.environment,
    session.apiUser.kind,
    session.apiUser.id,
    identity.scopeSet,
    session.version ?? null,
    pending?.state ?? null,
    pending?.createdAt ?? null,
    tokens?.expiresAt ?? null,
    tokens ? JSON.stringify(tokens.scopes) : null,
    sealer.currentKeyId,
    tokens ? await sealer.seal(tokens, identity, 'tokens') : null,
    pending ? await sealer.seal(pending, identity, 'pending') : null,
    JSON.stringify(session.errors),
    session.updatedAt,
  ]
}

/**
 * Whether the columns that say whose session a row is and what for agree with each other and with
 * what is sealed: the key is the one its owner, API, environment and scope set make (which also
 * holds the rows an older version bound to their key alone), the granted scopes are the sealed
 * tokens' and the state the sealed pending authorization's.
 */
function columnsAgree(row: SessionRow, session: Session, state: string | null): boolean {
  // Only an application's session is keyed by its scope set.
  if (row.scope_set !== null && row.api_user_kind !== 'application') return false
  const apiUser = { kind: row.api_user_kind as ApiUserKind, id: row.api_user_id }
  const scopes = row.scope_set?.split(' ')
  if (sessionKey({ api: row.api, environment: row.environment, apiUser, ...(scopes && { scopes }) }) !== row.key) return false
  const granted = JSON.stringify(session.tokens?.scopes ?? null)
  if (JSON.stringify(row.granted_scopes ?? null) !== granted) return false
  return (session.pending?.state ?? null) === state
}

/**
 * The session a row holds, its sealed parts opened and the whole checked as any stored record
 * is; a SessionDecryptionError (its `sessionKey` set) if a part cannot be opened or the columns
 * do not match what was sealed. `taken` overrides the row's pending authorization: a take answers
 * the one it removed, under the state it was taken by.
 */
export async function rowSession(row: SessionRow, sealer: Sealer, taken?: { sealed: string | null; state: string }): Promise<Session | undefined> {
  const identity = rowIdentity(row)
  const pendingSealed = taken ? taken.sealed : row.pending_sealed
  try {
    const record = {
      key: row.key,
      api: row.api,
      environment: row.environment,
      apiUser: { kind: row.api_user_kind, id: row.api_user_id },
      errors: row.errors,
      updatedAt: row.updated_at,
      ...(row.version !== null && { version: row.version }),
      ...(row.tokens_sealed !== null && { tokens: await sealer.open(row.tokens_sealed, row.key_id, identity, 'tokens') }),
      ...(pendingSealed !== null && { pending: await sealer.open(pendingSealed, row.key_id, identity, 'pending') }),
    }
    const session = parseSessionRecord(record, row.key)
    if (session && !columnsAgree(row, session, taken ? taken.state : row.state)) throw new SessionDecryptionError('tampered', row.key_id)
    return session
  } catch (error) {
    if (error instanceof SessionDecryptionError) error.sessionKey = row.key
    throw error
  }
}

/** Whether a row has a sealed value that is not sealed with the current key and binding. */
export function needsResealing(row: SessionRow, sealer: Sealer): boolean {
  if (row.key_id !== sealer.currentKeyId) return true
  return [row.tokens_sealed, row.pending_sealed].some((blob) => blob !== null && !sealer.isCurrentBinding(blob))
}
