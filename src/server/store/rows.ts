import type { Session } from '../../model/session.js'
import { parseSessionRecord } from '../../session/sessionRecord.js'
import type { Sealer } from './encryption.js'

/** A row of the sessions table as both drivers return it. */
export interface SessionRow {
  key: string
  api: string
  environment: string
  api_user_kind: string
  api_user_id: string
  version: number | null
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

/**
 * The parameters of the insert and update statements: the tokens and the pending authorization
 * (PKCE verifier, nonce, binding, the kept call) sealed whole; what is not secret (who, which
 * API, the state, expiry and granted scopes, the errors) in clear columns an operator can query.
 */
export async function sessionParams(session: Session, sealer: Sealer): Promise<unknown[]> {
  const { tokens, pending } = session
  return [
    session.key,
    session.api,
    session.environment,
    session.apiUser.kind,
    session.apiUser.id,
    scopeSet(session),
    session.version ?? null,
    pending?.state ?? null,
    pending?.createdAt ?? null,
    tokens?.expiresAt ?? null,
    tokens ? JSON.stringify(tokens.scopes) : null,
    sealer.currentKeyId,
    tokens ? await sealer.seal(tokens, session.key, 'tokens') : null,
    pending ? await sealer.seal(pending, session.key, 'pending') : null,
    JSON.stringify(session.errors),
    session.updatedAt,
  ]
}

/**
 * The session a row holds, its sealed parts opened (a SessionDecryptionError if one cannot be)
 * and the whole checked as any stored record is. `pendingSealed` overrides the row's: a take
 * answers the pending authorization it removed.
 */
export async function rowSession(row: SessionRow, sealer: Sealer, pendingSealed = row.pending_sealed): Promise<Session | undefined> {
  const record = {
    key: row.key,
    api: row.api,
    environment: row.environment,
    apiUser: { kind: row.api_user_kind, id: row.api_user_id },
    errors: row.errors,
    updatedAt: row.updated_at,
    ...(row.version !== null && { version: row.version }),
    ...(row.tokens_sealed !== null && { tokens: await sealer.open(row.tokens_sealed, row.key_id, row.key, 'tokens') }),
    ...(pendingSealed !== null && { pending: await sealer.open(pendingSealed, row.key_id, row.key, 'pending') }),
  }
  return parseSessionRecord(record, row.key)
}
