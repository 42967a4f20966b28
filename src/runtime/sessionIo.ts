import type { ConsentRequest, PreparedConsent, Revocation } from '../../machines/tokenSession.js'
import { AuthorizationError, ConsentDeniedError, InvalidCallbackError, StorageError, type GrantflowError } from '../errors.js'
import { emptySession, isPendingExpired, withError, type ConnectionError, type PendingAuthorization, type Session } from '../model/session.js'
import { hasScopes, isTokenFresh, type TokenSet } from '../model/tokens.js'
import type { OAuthContext } from '../oauth/context.js'
import type { HttpDoors } from '../oauth/doors.js'
import { loadSteps } from '../oauth/loadSteps.js'
import { createInProcessLock, LOCK_LEASE_MS } from './lock.js'
import type { SessionTarget } from './targets.js'
import type { TokenSessionDeps } from './tokenSessions.js'

/** How many times a session write is tried against writers that keep winning. */
const SAVE_ATTEMPTS = 5

/**
 * The lock's lease for a renewal, which must outlast its token request, retries included: a lease
 * that ran out while a refresh was on its way would let the next holder present the same refresh
 * token, and a provider with reuse detection revokes the grant. A request and its retries take
 * `timeoutMs` plus the retry budget (default 10 s, see retry.ts) at most; twice that, as the
 * discovery before it may take as long, and 10 s of room.
 */
const renewalLeaseMs = (doors: HttpDoors) =>
  Math.max(LOCK_LEASE_MS, 2 * (doors.timeoutMs + (doors.retry === false ? 0 : (doors.retry?.budgetMs ?? 10_000))) + 10_000)

/**
 * What a token session's actors do beyond reading the store: renewals, consent, the code
 * exchange, revocation and the writes they make. Loaded on a session's first such step (see
 * tokenSessions.ts), so a call with a valid token loads none of it.
 */
export function createSessionIo(deps: TokenSessionDeps) {
  return stoppable(sessionIoOf(deps))
}

function sessionIoOf(deps: TokenSessionDeps) {
  const { store, doors } = deps
  // Made here, not with the runtime: only a renewal takes the lock.
  const lock = deps.lock ?? createInProcessLock()

  /**
   * Changes the stored session: reads it, applies `change` and writes it back only if no one
   * wrote in between (another instance, tab or actor of this key); else `change` is applied again
   * to the record that won. So an error recorded late never writes back tokens from before a
   * rotation, and nothing another runtime saved is lost to a stale copy.
   */
  const save = async (target: SessionTarget, change: (session: Session) => Session): Promise<Session> => {
    let current = await store.get(target.key)
    for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
      const base = current ?? emptySession({ api: target.api.id, environment: target.environmentName, apiUser: target.apiUser }, doors.now())
      // The key is the target's (it may carry the application's scope set).
      const next = { ...change(base), key: target.key, updatedAt: doors.now(), version: (current?.version ?? 0) + 1 }
      const result = await store.set(next, current?.version)
      if (result.written) return next
      current = result.current
    }
    // Writers that keep winning over this one: the store is as good as unavailable to it.
    throw new StorageError({ name: 'WriteConflict' })
  }

  /**
   * Saves tokens a request obtained. `replacing`: the tokens the request was made to renew; if
   * the store holds other fresh ones by the time of the write (another instance renewed too),
   * the first saved wins and these are dropped, so every runtime goes on with one token set.
   */
  const saveTokens = async (target: SessionTarget, tokens: TokenSet, replacing?: { tokens: TokenSet | undefined; leaseLost?: boolean }): Promise<TokenSet> => {
    const session = await save(target, (s) => {
      const renewedMeanwhile =
        replacing && s.tokens && s.tokens.accessToken !== replacing.tokens?.accessToken && (replacing.leaseLost || isTokenFresh(s.tokens, doors.now()))
      return renewedMeanwhile ? s : { ...s, tokens, pending: undefined }
    })
    if (session.tokens !== tokens) return session.tokens!
    // Other tabs and instances take them from the store they share (only the key is sent).
    for (const plugin of deps.sync ?? []) plugin.tokensSaved(session.key)
    if (deps.refresh !== 'notify') deps.onTokensUpdated?.(session)
    else {
      try {
        // The app persists the new tokens before any call uses them; they are in the store already.
        await deps.onTokensUpdated!(session)
      } catch (error) {
        throw new StorageError(error)
      }
    }
    return tokens
  }

  /** Records a failure on the session (never a token: only codes and the provider's text). */
  const recordError = async (target: SessionTarget, step: ConnectionError['step'], error: unknown): Promise<never> => {
    const e = error as Partial<GrantflowError>
    await save(target, (s) =>
      withError(s, {
        at: doors.now(),
        step,
        code: e.code ?? 'unknown',
        ...(e.error !== undefined && { error: e.error }),
        ...(e.description !== undefined && { description: e.description }),
      }),
    ).catch(() => undefined)
    throw error
  }

  /** Whether a stored authorization can serve a consent for `scopes`: still waiting for its callback, and asking for them all. */
  const joinable = (pending: PendingAuthorization, scopes: string[]) =>
    !isPendingExpired(pending, doors.now(), deps.pendingTtlMs) && hasScopes(pending.scopes, scopes)

  /** The protocol context for a request made under the lock: it stops when the lease runs out. */
  const leasedContext = async (target: SessionTarget, signal: AbortSignal): Promise<OAuthContext> => {
    const context = await deps.oauthContext(target)
    return { ...context, doors: { ...context.doors, signal } }
  }

  /**
   * Renews a session's tokens under the lock, once across tabs and instances: tokens another
   * runtime saved while this one waited for the lock are adopted when `adoptable` (and fresh);
   * else `request` obtains new ones, saved (the first saved wins) or recorded as `step`'s failure.
   */
  const renew = (
    target: SessionTarget,
    input: { tokens: TokenSet | undefined },
    step: 'refresh' | 'client_credentials',
    adoptable: (stored: TokenSet) => boolean,
    request: (context: OAuthContext) => Promise<TokenSet>,
    waiting?: AbortSignal,
  ): Promise<TokenSet> =>
    lock
      .runExclusive(
        target.key,
        async (held) => {
          const stored = (await store.get(target.key))?.tokens
          if (stored && adoptable(stored) && isTokenFresh(stored, doors.now())) return stored
          // The session no longer waits for this renewal: no token request for it.
          waiting?.throwIfAborted()
          const renewed = await request(await leasedContext(target, held.signal))
          // Fencing: a holder whose lease was lost meanwhile writes only over the tokens it renewed, never over a later holder's.
          return saveTokens(target, renewed, { ...input, leaseLost: held.stillHeld ? !(await held.stillHeld()) : false })
        },
        // The wait for the lock stops once the session no longer waits (it adopted the tokens
        // another instance or tab saved, on its sync message): it would take the lock for nothing.
        { leaseMs: renewalLeaseMs(doors), ...(waiting && { signal: waiting }) },
      )
      // A wait the session stopped is no failure of the renewal: nothing is recorded.
      .catch((error) => (waiting?.aborted ? Promise.reject(error) : recordError(target, step, error)))

  return {
    save,
    recordError,
    refreshTokens: (target: SessionTarget, input: { tokens: TokenSet }, waiting?: AbortSignal): Promise<TokenSet> =>
      // A rotated refresh token must never be sent twice: one another runtime renewed with is adopted.
      renew(
        target,
        input,
        'refresh',
        (stored) => stored.refreshToken !== input.tokens.refreshToken,
        async (context) => (await loadSteps()).refreshTokens(context, input.tokens),
        waiting,
      ),
    requestToken: (target: SessionTarget, input: { tokens: TokenSet | undefined }, waiting?: AbortSignal): Promise<TokenSet> =>
      // A token another runtime obtained is adopted, unless it is the one just refused.
      renew(
        target,
        input,
        'client_credentials',
        (stored) => stored.accessToken !== input.tokens?.accessToken,
        async (context) => (await loadSteps()).requestClientCredentials(context, target.scopes),
        waiting,
      ),
    async prepareConsent(target: SessionTarget, input: { request: ConsentRequest }): Promise<PreparedConsent> {
      try {
        const [context, { startAuthorization }] = await Promise.all([deps.oauthContext(target), loadSteps()])
        const prepared = await startAuthorization({
          as: context.as,
          client: context.client,
          scopes: input.request.scopes,
          now: doors.now(),
          returnTo: input.request.returnTo,
          call: input.request.call,
        })
        let joined: PendingAuthorization | undefined
        await save(target, (s) => {
          // Tabs sharing the store: one asking while another's consent for these scopes is still
          // waiting for its callback joins it (both race here; the first write wins, the others
          // find it on their retry), so one consent serves every tab.
          joined = store.sharedByTabs && s.pending && joinable(s.pending, input.request.scopes) ? s.pending : undefined
          return joined ? s : { ...s, pending: prepared.pending }
        })
        return joined ? { url: '', pending: joined } : prepared
      } catch (error) {
        return recordError(target, 'authorize', error)
      }
    },
    async exchangeCode(target: SessionTarget, input: { callback: URLSearchParams; pending: PendingAuthorization }): Promise<TokenSet> {
      const [context, { validateCallback, exchangeCode }] = await Promise.all([deps.oauthContext(target), loadSteps()])
      try {
        // Taken out of the store before the exchange, by one taker of all the runtimes that
        // share it: a reload, a second tab or instance brought the same callback finds
        // nothing to exchange, so a code is used once.
        const taken = await store.take(input.pending.state)
        if (!taken) throw new InvalidCallbackError('code_already_used')
        const callback = validateCallback(context, input.callback, taken.pending)
        return await saveTokens(target, await exchangeCode(context, callback, taken.pending))
      } catch (error) {
        return recordError(target, 'exchange', ofAuthorization(error, target.key, input.pending))
      }
    },
    async revokeTokens(target: SessionTarget, input: { tokens: TokenSet | undefined }): Promise<Revocation> {
      const forget = () => save(target, (s) => ({ ...s, tokens: undefined, pending: undefined }))
      let revokedAtProvider: boolean
      try {
        revokedAtProvider = input.tokens ? await (await loadSteps()).revokeTokens(await deps.oauthContext(target), input.tokens) : false
      } catch (error) {
        await recordError(target, 'revoke', error).catch(() => undefined)
        // The provider's refusal is what the disconnect reports; the tokens are forgotten all the same.
        await forget().catch(() => undefined)
        throw error
      }
      const kept = await forget().then(
        () => undefined,
        (error: unknown) => error,
      )
      // The store would not let go of them (full, unavailable), and they are still valid: failed.
      if (kept !== undefined && !revokedAtProvider) throw kept
      // Revoked, but the store kept a copy: said, not hidden, so the app can tell its user; what it
      // kept is dead at the provider.
      return { revokedAtProvider, ...(kept !== undefined && { error: kept }) }
    },
  }
}

export type SessionIo = ReturnType<typeof sessionIoOf>

/**
 * The bodies, each refusing to start once its actor was stopped (the runtime disposed, say)
 * while this module was loading: a stopped session sends no request. The renewals are given the
 * actor's signal too, so their wait for the lock stops with it.
 */
function stoppable(io: SessionIo): SessionIo {
  const checked = { ...io }
  for (const name of ['refreshTokens', 'requestToken', 'prepareConsent', 'exchangeCode', 'revokeTokens'] as const) {
    const body = io[name] as (target: SessionTarget, input: unknown, signal?: AbortSignal) => Promise<unknown>
    const waits = name === 'refreshTokens' || name === 'requestToken'
    ;(checked as Record<string, unknown>)[name] = (target: SessionTarget, input: unknown, signal?: AbortSignal) => {
      signal?.throwIfAborted()
      return waits ? body(target, input, signal) : body(target, input)
    }
  }
  return checked
}

/**
 * A callback's refusal (a denial, the provider's error, a callback that cannot be used) says whose
 * authorization it ended and where its user was going, so the callback page can send them back.
 */
function ofAuthorization(error: unknown, sessionKey: string, pending: PendingAuthorization): unknown {
  if (error instanceof ConsentDeniedError || error instanceof AuthorizationError || error instanceof InvalidCallbackError) {
    error.sessionKey = sessionKey
    if (pending.returnTo) error.returnTo = pending.returnTo
  }
  return error
}
