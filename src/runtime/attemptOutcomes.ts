import type { AttemptOutcome, ConsentNeed } from '../../machines/callWizard.js'
import { ConsentRequiredError, TokenExpiredError, UndeclaredScopeError, type ConsentReason } from '../errors.js'
import { undeclaredScopes } from '../model/declaredScopes.js'
import type { TokenSet } from '../model/tokens.js'
import type { ResourceChallenge } from '../oauth/challenge.js'
import { unionScopes } from '../model/tokens.js'
import type { WizardDeps } from './attempt.js'
import type { CallTarget } from './targets.js'
import type { TokenSessionSnapshot } from './tokenSessions.js'

// What an attempt that did not succeed means for the wizard: a consent to ask for, a renewal to
// try first. Loaded when a call first needs more than its valid token.

export function consentNeeded(
  target: CallTarget,
  reason: ConsentReason,
  granted: readonly string[],
  needed: readonly string[] = [],
  kind: Exclude<AttemptOutcome['kind'], 'succeeded'> = 'consentNeeded',
): AttemptOutcome {
  const need: ConsentNeed = {
    provider: { id: target.provider.id, name: target.provider.name },
    api: { id: target.api.id, name: target.api.name },
    // Ask again for what the session had, so consenting for one call loses no other.
    scopes: unionScopes(granted, target.endpoint.scopes, needed),
    reason,
    sessionKey: target.key,
  }
  // Built when read: a stale call whose renewal succeeds (every call of a stampede) never reads it.
  let error: ConsentRequiredError | undefined
  return {
    kind,
    need,
    get error() {
      return (error ??= new ConsentRequiredError(need))
    },
  }
}

/**
 * The API answered 403 insufficient_scope to a person's token: the consent to ask for, with the
 * challenge's scopes only where the API's declaration names them (UndeclaredScopeError otherwise).
 */
export function scopeChallenged(target: CallTarget, sent: TokenSet, challenge: ResourceChallenge): AttemptOutcome {
  const refused = undeclaredScopes(target.api, challenge.scopes, sent.scopes)
  if (refused.length > 0) {
    // The description comes redacted of the sent token from sendApiRequest.
    throw new UndeclaredScopeError({
      api: target.api.id,
      requestedScopes: [...challenge.scopes],
      undeclaredScopes: refused,
      ...(challenge.description !== undefined && { description: challenge.description }),
    })
  }
  return consentNeeded(target, 'insufficient_scope', sent.scopes, challenge.scopes)
}

export function reasonOf(snapshot: TokenSessionSnapshot): ConsentReason {
  if (snapshot.matches('revoked')) return 'revoked'
  if (snapshot.matches('expired')) return 'refresh_failed'
  return 'no_session'
}

/**
 * An attempt not sent: its session has no fresh token, or lacks the endpoint's scopes (`fresh`).
 * `again` makes the attempt anew, once the session took tokens found in the store.
 */
export async function unsent(
  deps: WizardDeps,
  target: CallTarget,
  snapshot: TokenSessionSnapshot,
  fresh: boolean,
  again: () => Promise<AttemptOutcome>,
): Promise<AttemptOutcome> {
  const tokens = snapshot.context.tokens
  if (fresh) return consentNeeded(target, 'insufficient_scope', tokens?.scopes ?? [])
  if (target.grant.renewal === 'reacquire' || (tokens && snapshot.hasTag('renewable'))) {
    // Stale before it was sent: nothing reached the API, so renewing costs the API nothing.
    return renewalNeeded(deps, target, tokens?.scopes ?? [], 'refresh_failed', snapshot.matches('valid'))
  }
  // Before asking the user: another instance or tab may have connected the session since this one
  // read it (the provider's redirect landed there, or this one lost the race for the callback).
  if (await tookStoredTokens(deps, target)) return again()
  return consentNeeded(target, reasonOf(snapshot), tokens?.scopes ?? [])
}

/** Whether the live session took tokens newer than its own from the store, and is now connected. */
async function tookStoredTokens(deps: WizardDeps, target: CallTarget): Promise<boolean> {
  const session = await deps.sessions.start(target)
  const before = session.getSnapshot().context.tokens?.accessToken
  const { adoptStoredTokens } = await import('../sync/adoptStoredTokens.js')
  await adoptStoredTokens(deps.sessions.store, deps.sessions, target.key)
  const after = session.getSnapshot()
  return after.matches('valid') && after.context.tokens?.accessToken !== before
}

/** How often one call may be refused for a token that ran out in flight before a refusal counts as one. */
export const MAX_IN_FLIGHT_EXPIRIES = 3

/**
 * The token must be renewed; if that does not help, this is the consent to ask for. `stale`: it
 * ran out by the clock, so renewing is always right (never consent while a refresh can succeed).
 */
export function renewalNeeded(deps: WizardDeps, target: CallTarget, granted: readonly string[], reason: ConsentReason, stale: boolean): AttemptOutcome {
  // `raise`: the app refreshes by itself, as with requests-oauthlib's TokenExpiredError.
  if (deps.refresh === 'raise' && target.holder === 'person') throw new TokenExpiredError(target.key)
  return consentNeeded(target, reason, granted, [], stale ? 'tokenStale' : 'renewalNeeded')
}
