import { assign, emit, fromPromise, setup, type PromiseActorLogic } from 'xstate'
import { asGrantflowError, ConfigurationError, type GrantflowError } from '../src/errors.js'
import type { PendingAuthorization, PendingCall, Session } from '../src/model/session.js'
import { isTokenFresh, type TokenSet } from '../src/model/tokens.js'

/**
 * The token session: one per session key, holding its tokens and their lifecycle. It is the
 * single place a session's tokens change, so that any number of calls finding the token stale
 * cause exactly one refresh (or one consent) and are all released by its one outcome.
 *
 * Expiry is judged when a token is read (ACCESS_NEEDED carries the reader's clock), never by a
 * timer, so a laptop waking from sleep gets no stale token.
 *
 * Tags say what a state means to those outside, so they need no list of state names:
 * - `settled`: the session has an answer for its waiters (tokens, or why there are none);
 * - `resting`: it waits for nothing and nobody waits on it, so the runtime may let it go;
 * - `renewable`: it holds tokens that ACCESS_NEEDED renews (rather than asking for consent).
 * - `unusable`: the tokens it holds, if any, can no longer be used or renewed: only consent helps.
 *
 * Emitted events (`actor.on(...)`) tell a wizard how a consent went: `exchangeStarted` (a
 * callback is being exchanged, wherever it was delivered), `authorized` (the session holds
 * tokens), `consentFailed` (with the error).
 */

/**
 * How a stale or refused token is renewed: `refresh` with the refresh token (else consent),
 * `reacquire` by asking again with the grant that got it (client credentials), `none`: consent.
 */
export type TokenRenewal = 'refresh' | 'reacquire' | 'none'

export interface TokenSessionContext {
  key: string
  renewal: TokenRenewal
  tokens: TokenSet | undefined
  pending: PendingAuthorization | undefined
  /** The authorization URL of the pending consent, while this page prepared it. */
  authorizationUrl: string | undefined
  /** Which caller asked for the pending consent first: it is the one that shows it to the user. */
  consentOwner: string | undefined
  /** Why the session last failed (refresh, exchange, revocation); cleared by a success. */
  error: GrantflowError | undefined
  /** After a disconnect: whether the provider revoked the grant too, or only the local copy was forgotten. */
  revokedAtProvider?: boolean
  /** The consent being prepared, while it is (it holds the pending call). */
  consentRequest?: ConsentRequest | undefined
  /** The callback being exchanged, while it is (its code and state are redacted from inspection). */
  callback?: URLSearchParams | undefined
}

export interface TokenSessionInput {
  key: string
  renewal: TokenRenewal
}

export interface ConsentRequest {
  scopes: string[]
  requester: string
  returnTo?: string | undefined
  call?: PendingCall | undefined
}

/** A consent made ready: the URL to send the user to, and the authorization kept for the callback. */
/**
 * A disconnect's outcome: whether the provider revoked the grant, and what failed on the way (the
 * tokens could not be removed from the store, say) when it went through all the same.
 */
export interface Revocation {
  revokedAtProvider: boolean
  error?: unknown
}

export interface PreparedConsent {
  /**
   * Empty when another tab sharing the store is giving this consent already (the authorization
   * is that tab's): the session waits for the tokens it brings, and no one is sent a second time.
   */
  url: string
  pending: PendingAuthorization
}

export type TokenSessionEvent =
  /** A caller is about to use the token; `now` is its clock. */
  | { type: 'ACCESS_NEEDED'; now: number }
  /** The API refused this access token (401): it was revoked or expired early. */
  | { type: 'TOKEN_REJECTED'; accessToken: string }
  | { type: 'CONSENT_REQUESTED'; request: ConsentRequest }
  | { type: 'CALLBACK_RECEIVED'; callback: URLSearchParams }
  /** The user closed the popup, or it could not open. */
  | { type: 'CONSENT_ABANDONED'; error: GrantflowError }
  /** Tokens obtained elsewhere (another tab, a server route) for this session. */
  | { type: 'TOKENS_RECEIVED'; tokens: TokenSet }
  | { type: 'REVOKE' }

/** What a token session tells those listening with `actor.on(type, ...)`. */
export type TokenSessionEmitted = { type: 'exchangeStarted' } | { type: 'authorized' } | { type: 'consentFailed'; error: GrantflowError | undefined }

/** The default for each I/O actor: a clear error until the runtime provides the real one. */
function notProvided<Output, Input>(name: string): PromiseActorLogic<Output, Input> {
  return fromPromise<Output, Input>(async () => {
    throw new ConfigurationError(`the token session needs its "${name}" actor: provide it with tokenSessionMachine.provide()`)
  })
}

/** The error an invoked actor failed with (XState's error events are not in the events union). */
function errorOf(event: { type: string }): GrantflowError | undefined {
  return 'error' in event ? asGrantflowError(event.error) : undefined
}

const tokenSessionSetup = setup({
  types: {
    context: {} as TokenSessionContext,
    input: {} as TokenSessionInput,
    events: {} as TokenSessionEvent,
    emitted: {} as TokenSessionEmitted,
    tags: {} as 'settled' | 'resting' | 'renewable' | 'unusable',
  },
  actors: {
    /** Reads the session from the store. */
    loadSession: notProvided<Session | undefined, { key: string }>('loadSession'),
    /** Refreshes under the session lock and saves the result; resolves with the tokens to use. */
    refreshTokens: notProvided<TokenSet, { key: string; tokens: TokenSet }>('refreshTokens'),
    /** Asks again with the grant that got the token (client credentials) and saves it: `renewal: 'reacquire'`. */
    requestToken: notProvided<TokenSet, { key: string; tokens: TokenSet | undefined }>('requestToken'),
    /** Builds the authorization request and saves the pending authorization. */
    prepareConsent: notProvided<PreparedConsent, { key: string; request: ConsentRequest; granted: string[] }>('prepareConsent'),
    /** Validates the callback, forgets the pending authorization, exchanges the code once, saves the tokens. */
    exchangeCode: notProvided<TokenSet, { key: string; callback: URLSearchParams; pending: PendingAuthorization }>('exchangeCode'),
    /**
     * Revokes at the provider (where it can) and forgets the tokens; rejects when the provider
     * could not be told. `revokedAtProvider` is false when it has no revocation endpoint.
     */
    revokeTokens: notProvided<Revocation, { key: string; tokens: TokenSet | undefined }>('revokeTokens'),
  },
  guards: {
    hasTokens: (_, session: Session | undefined) => session?.tokens !== undefined,
    hasPendingConsent: (_, session: Session | undefined) => session?.pending !== undefined,
    tokenIsStale: ({ context }, now: number) => !context.tokens || !isTokenFresh(context.tokens, now),
    tokenIsFresh: ({ context }, now: number) => context.tokens !== undefined && isTokenFresh(context.tokens, now),
    rejectedTokenIsCurrent: ({ context }, accessToken: string) => context.tokens?.accessToken === accessToken,
    canRefresh: ({ context }) => context.renewal === 'refresh' && context.tokens?.refreshToken !== undefined,
    renewsByReacquiring: ({ context }) => context.renewal === 'reacquire',
    // invalid_id_token: the refresh said someone else signed in (OIDC Core §12.2); only consent tells who.
    isInvalidGrant: ({ event }) => ['invalid_grant', 'invalid_id_token'].includes(errorOf(event)?.error ?? ''),
  },
  actions: {
    adoptStoredSession: assign((_, session: Session | undefined) => ({
      tokens: session?.tokens,
      pending: session?.pending,
    })),
    rememberTokens: assign((_, tokens: TokenSet) => ({ tokens, error: undefined, pending: undefined, authorizationUrl: undefined, consentOwner: undefined })),
    rememberError: assign({ error: ({ event }) => errorOf(event) }),
    rememberConsentRequest: assign((_, request: ConsentRequest) => ({ consentRequest: request, consentOwner: request.requester })),
    forgetConsentRequest: assign({ consentRequest: undefined }),
    rememberCallback: assign((_, callback: URLSearchParams) => ({ callback })),
    // The code is spent either way: it is not kept a step longer than its exchange.
    forgetCallback: assign({ callback: undefined }),
    announceExchange: emit({ type: 'exchangeStarted' }),
    announceAuthorized: emit({ type: 'authorized' }),
    announceConsentFailure: emit(({ context }) => ({ type: 'consentFailed', error: context.error }) as const),
    rememberPendingConsent: assign((_, prepared: PreparedConsent) => ({
      pending: prepared.pending,
      authorizationUrl: prepared.url,
      error: undefined,
    })),
    forgetPendingConsent: assign({ pending: undefined, authorizationUrl: undefined, consentOwner: undefined }),
    forgetTokens: assign({ tokens: undefined, error: undefined }),
    // Read with care: a model's generated done event may carry no output.
    rememberRevocation: assign((_, revocation: Revocation | undefined) => ({
      revokedAtProvider: revocation?.revokedAtProvider === true,
      error: revocation?.error === undefined ? undefined : asGrantflowError(revocation.error),
    })),
    rememberAbandonment: assign({ error: ({ event }) => (event.type === 'CONSENT_ABANDONED' ? event.error : undefined) }),
  },
})

type ConsentRequested = Extract<TokenSessionEvent, { type: 'CONSENT_REQUESTED' }>

/**
 * Every settled state answers a consent request the same way (a step-up, a reload that lost the
 * URL, a consent after a failure): written once here. Busy states ignore it, as a wizard asking
 * then joins the consent being prepared or waits for the step under way.
 */
const requestConsent = {
  target: 'preparingConsent',
  actions: { type: 'rememberConsentRequest', params: ({ event }: { event: ConsentRequested }) => event.request },
} as const

/** With no tokens (none yet, or revoked), the application asks for one when it is needed. */
const reacquireWhenNeeded = { guard: 'renewsByReacquiring', target: 'requestingToken' } as const

export const tokenSessionMachine = tokenSessionSetup.createMachine({
  id: 'tokenSession',
  context: ({ input }) => ({
    key: input.key,
    renewal: input.renewal,
    tokens: undefined,
    pending: undefined,
    authorizationUrl: undefined,
    consentOwner: undefined,
    error: undefined,
  }),
  initial: 'loading',
  // Tokens that arrive from elsewhere always win: another tab refreshed, a server route consented.
  on: {
    TOKENS_RECEIVED: { target: '.valid', actions: { type: 'rememberTokens', params: ({ event }) => event.tokens } },
    REVOKE: { target: '.revoking' },
  },
  states: {
    loading: {
      invoke: {
        id: 'loadSession',
        src: 'loadSession',
        input: ({ context }) => ({ key: context.key }),
        onDone: [
          {
            guard: { type: 'hasPendingConsent', params: ({ event }) => event.output },
            target: 'authorizing',
            actions: { type: 'adoptStoredSession', params: ({ event }) => event.output },
          },
          {
            guard: { type: 'hasTokens', params: ({ event }) => event.output },
            target: 'valid',
            actions: { type: 'adoptStoredSession', params: ({ event }) => event.output },
          },
          { target: 'empty' },
        ],
        onError: { target: 'empty', actions: 'rememberError' },
      },
    },
    /** No tokens: consent, or (`reacquire`) ask for one. */
    empty: {
      tags: ['settled', 'resting'],
      on: {
        ACCESS_NEEDED: reacquireWhenNeeded,
        CONSENT_REQUESTED: requestConsent,
      },
    },
    /** Tokens are held; whether the access token is still fresh is judged at each read. */
    valid: {
      tags: ['settled', 'resting', 'renewable'],
      entry: 'announceAuthorized',
      on: {
        ACCESS_NEEDED: [{ guard: { type: 'tokenIsStale', params: ({ event }) => event.now }, target: 'renewing' }],
        TOKEN_REJECTED: [{ guard: { type: 'rejectedTokenIsCurrent', params: ({ event }) => event.accessToken }, target: 'renewing' }],
        // Step-up: the token lacks a scope a call needs.
        CONSENT_REQUESTED: requestConsent,
      },
    },
    /** Picks how a stale or rejected token is replaced, as the session's `renewal` says. */
    renewing: {
      always: [{ guard: 'renewsByReacquiring', target: 'requestingToken' }, { guard: 'canRefresh', target: 'refreshing' }, { target: 'expired' }],
    },
    refreshing: {
      invoke: {
        id: 'refreshTokens',
        src: 'refreshTokens',
        input: ({ context }) => ({ key: context.key, tokens: context.tokens! }),
        onDone: { target: 'valid', actions: { type: 'rememberTokens', params: ({ event }) => event.output } },
        onError: [
          // The grant is gone (expired after 18 months, revoked, rotated elsewhere), or is no longer
          // the signed-in user's: consent again.
          { guard: 'isInvalidGrant', target: 'expired', actions: 'rememberError' },
          { target: 'unavailable', actions: 'rememberError' },
        ],
      },
    },
    requestingToken: {
      invoke: {
        id: 'requestToken',
        src: 'requestToken',
        input: ({ context }) => ({ key: context.key, tokens: context.tokens }),
        onDone: { target: 'valid', actions: { type: 'rememberTokens', params: ({ event }) => event.output } },
        onError: { target: 'unavailable', actions: 'rememberError' },
      },
    },
    /** Renewal failed for a reason that may pass (network, 5xx); the next read tries again. */
    unavailable: {
      tags: ['settled', 'resting', 'renewable'],
      on: {
        ACCESS_NEEDED: { target: 'renewing' },
        CONSENT_REQUESTED: requestConsent,
      },
    },
    /** The tokens can no longer be used or renewed: only the user's consent helps. */
    expired: {
      tags: ['settled', 'resting', 'unusable'],
      on: {
        CONSENT_REQUESTED: requestConsent,
      },
    },
    preparingConsent: {
      // However it is left (prepared, failed, tokens from elsewhere, a revocation).
      exit: 'forgetConsentRequest',
      invoke: {
        id: 'prepareConsent',
        src: 'prepareConsent',
        input: ({ context }) => ({ key: context.key, request: context.consentRequest!, granted: context.tokens?.scopes ?? [] }),
        onDone: { target: 'authorizing', actions: { type: 'rememberPendingConsent', params: ({ event }) => event.output } },
        onError: { target: 'consentFailed', actions: ['rememberError', 'forgetPendingConsent'] },
      },
    },
    /** The user is at the provider; callers wanting a token wait here for the callback. */
    authorizing: {
      // Settled, not resting: a wizard watches it (see letGoIdle in the runtime).
      tags: ['settled'],
      on: {
        CALLBACK_RECEIVED: { target: 'exchangingCode', actions: { type: 'rememberCallback', params: ({ event }) => event.callback } },
        CONSENT_ABANDONED: { target: 'consentFailed', actions: ['forgetPendingConsent', 'rememberAbandonment'] },
        // A new request (wider scopes, or after a reload lost the URL) replaces the pending one.
        CONSENT_REQUESTED: requestConsent,
      },
    },
    exchangingCode: {
      entry: 'announceExchange',
      exit: 'forgetCallback',
      invoke: {
        id: 'exchangeCode',
        src: 'exchangeCode',
        input: ({ context }) => ({ key: context.key, callback: context.callback!, pending: context.pending! }),
        onDone: { target: 'valid', actions: { type: 'rememberTokens', params: ({ event }) => event.output } },
        // The pending authorization is spent either way: a code is used once.
        onError: { target: 'consentFailed', actions: ['rememberError', 'forgetPendingConsent'] },
      },
    },
    /** The last consent did not give tokens (denied, abandoned, refused callback); a new one may. */
    consentFailed: {
      tags: ['settled', 'resting'],
      entry: 'announceConsentFailure',
      on: {
        CONSENT_REQUESTED: requestConsent,
        // A refused step-up leaves the narrower tokens usable.
        ACCESS_NEEDED: [
          { guard: { type: 'tokenIsFresh', params: ({ event }) => event.now }, target: 'valid' },
          { guard: 'canRefresh', target: 'refreshing' },
        ],
      },
    },
    revoking: {
      tags: ['unusable'],
      invoke: {
        id: 'revokeTokens',
        src: 'revokeTokens',
        input: ({ context }) => ({ key: context.key, tokens: context.tokens }),
        onDone: {
          target: 'revoked',
          actions: ['forgetTokens', 'forgetPendingConsent', { type: 'rememberRevocation', params: ({ event }) => event.output }],
        },
        // Forget locally even when the provider could not be told: the user asked to disconnect.
        onError: {
          target: 'revoked',
          actions: [
            'forgetTokens',
            'forgetPendingConsent',
            { type: 'rememberRevocation', params: ({ event }) => ({ revokedAtProvider: false, error: event.error }) },
          ],
        },
      },
    },
    revoked: {
      tags: ['settled', 'resting', 'unusable'],
      on: {
        ACCESS_NEEDED: reacquireWhenNeeded,
        CONSENT_REQUESTED: requestConsent,
      },
    },
  },
})

export type TokenSessionMachine = typeof tokenSessionMachine
