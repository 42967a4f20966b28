import type { SessionStore } from '../session/store.js'
import type { TokenSessions } from '../runtime/tokenSessions.js'

/**
 * Gives a live token session the tokens another tab or instance saved for it, when they are newer
 * than its own: the session goes to `valid` (a wizard waiting on its consent goes on), and its
 * next call uses them without a token request. A session that is not live reads the store anyway
 * when next called. A failing store read is ignored: the session keeps what it has.
 */
export async function adoptStoredTokens(store: SessionStore, sessions: Pick<TokenSessions, 'byKey'>, sessionKey: string): Promise<void> {
  const actor = sessions.byKey(sessionKey)?.actor
  if (!actor) return
  const stored = (await store.get(sessionKey).catch(() => undefined))?.tokens
  const current = actor.getSnapshot().context.tokens
  if (!stored || stored.accessToken === current?.accessToken) return
  // An older message, read late, must not roll back a rotation this session already has.
  if ((stored.receivedAt ?? 0) < (current?.receivedAt ?? 0)) return
  actor.send({ type: 'TOKENS_RECEIVED', tokens: stored })
}
