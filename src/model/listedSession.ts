import type { Session } from './session.js'

// What `grantflow.sessions.list()` and `get()` hand an app: the session as stored, but with its
// secrets (access and refresh token, PKCE verifier, nonce, binding) readable by name and not
// enumerable, so the object can go to a template, a log or `JSON.stringify` on its way to a
// browser without a token in it. `session.tokens.accessToken` still reads the token.

const TOKEN_SECRETS = ['accessToken', 'refreshToken'] as const
const PENDING_SECRETS = ['codeVerifier', 'nonce', 'binding'] as const

function hidden<T extends object>(value: T, fields: readonly string[]): T {
  const copy = { ...value }
  for (const field of fields)
    if (field in copy)
      Object.defineProperty(copy, field, { value: (copy as Record<string, unknown>)[field], enumerable: false, writable: false, configurable: false })
  return copy
}

/** The session with its secrets not enumerable (see above). */
export function listedSession(session: Session): Session {
  return {
    ...session,
    ...(session.tokens && { tokens: hidden(session.tokens, TOKEN_SECRETS) }),
    ...(session.pending && { pending: hidden(session.pending, PENDING_SECRETS) }),
  }
}
