import { assign, fromCallback, fromPromise, setup, type CallbackActorLogic, type EventObject, type PromiseActorLogic } from 'xstate'
import { asGrantflowError, CancelledError, ConfigurationError, ConsentRequiredError, type ConsentReason, type GrantflowError } from '../src/errors.js'
import type { PendingCall } from '../src/model/session.js'

/**
 * The call wizard: one endpoint call, followed from the first attempt through refresh, consent,
 * code exchange and the single retry. The pending call stays in context from CALL to the end,
 * so nothing the user typed is lost, whatever happens in between.
 *
 * The wizard does no I/O itself: every step is an invoked actor that the runtime (or a test)
 * provides with `callWizardMachine.provide({ actors: ... })`.
 *
 * Tags say what a state means to a view or a caller, so they need no list of state names:
 * - `silent`: working without the user (a status line; a refresh never interrupts anyone);
 * - `dialog`: the user takes part, or is told how it went (the wizard opens as a dialog);
 * - `failed`: it stopped short, `context.error` says why; RETRY makes the call again;
 * - `ended`: it has nothing more to do by itself (succeeded, failed, consent required, cancelled).
 *
 * One CANCEL ends it wherever the user can: declining consent, leaving the provider, dismissing a
 * failure.
 */

/** What consent a call needs, as the `unauthorized` view tells the user. */
export interface ConsentNeed {
  provider: { id: string; name: string }
  api: { id: string; name: string }
  scopes: string[]
  reason: ConsentReason
  sessionKey: string
}

/** How one attempt at the call ended. Errors (API errors, unreachable provider) reject instead. */
export type AttemptOutcome =
  | { kind: 'succeeded'; value: unknown }
  /**
   * `tokenStale`: the token ran out by the clock (before the call was sent, or while it was in
   * flight), so renewing it is always the answer, however often calls outlast their tokens;
   * `renewalNeeded`: the API refused a token that should still be good, and renewing it once may
   * do; `consentNeeded`: only the user can help. Each says what consent would be asked for, since
   * a renewal that does not help leads there.
   */
  | { kind: 'tokenStale' | 'renewalNeeded' | 'consentNeeded'; need: ConsentNeed; error: GrantflowError }

/** The consent this wizard waits for; the one that owns it opens the provider. */
export interface ConsentOpening {
  authorizationUrl: string
  opensProvider: boolean
  /** What binds the callback to whoever is sent to the provider (non-interactive use: see ConsentRequiredError). */
  binding?: string | undefined
}

/** `automatic`: go to the provider at once; `guided`: wait in `unauthorized` for CONSENT_ACCEPTED;
 * `none`: never interact: end in `consentRequired` with the authorization URL (servers, background jobs). */
export type Interaction = 'automatic' | 'guided' | 'none'

export interface CallWizardContext {
  call: PendingCall | undefined
  /**
   * The outcome of an attempt the caller already made (the promise API's fast path), taken as
   * this wizard's first: a refused request is not sent again before consent. Forgotten once used,
   * so a saved wizard does not carry it; it holds no token.
   */
  firstAttempt: AttemptOutcome | undefined
  interaction: Interaction
  /** An identifier for this wizard, so the token session knows who owns a consent. */
  wizardId: string
  result: unknown
  error: GrantflowError | undefined
  consent: ConsentNeed | undefined
  authorizationUrl: string | undefined
  /** Whether this wizard owns the consent and so is the one to open the provider (others wait). */
  opensProvider: boolean
  callbackUrl: string | undefined
  /** Whether this attempt already renewed the token once: a second refusal means consent. */
  renewed: boolean
}

export interface CallWizardInput {
  interaction?: Interaction
  wizardId?: string
  call?: PendingCall
  firstAttempt?: AttemptOutcome
}

export type CallWizardEvent =
  | { type: 'CALL'; call: PendingCall }
  | { type: 'CONSENT_ACCEPTED' }
  /** The user declines the consent, leaves it, or dismisses a failure. */
  | { type: 'CANCEL' }
  /** The provider redirected back here with this URL (redirect mode, after restoring the wizard). */
  | { type: 'CALLBACK_RECEIVED'; callbackUrl: string }
  /** The session began exchanging a code delivered elsewhere (popup, callback route, another wizard). */
  | { type: 'CODE_EXCHANGE_STARTED' }
  /** The session has tokens now: consent completed, here or elsewhere. */
  | { type: 'SESSION_AUTHORIZED' }
  | { type: 'CONSENT_FAILED'; error: GrantflowError }
  | { type: 'RETRY' }

function notProvided<Output, Input>(name: string): PromiseActorLogic<Output, Input> {
  return fromPromise<Output, Input>(async () => {
    throw new ConfigurationError(`the call wizard needs its "${name}" actor: provide it with callWizardMachine.provide()`)
  })
}

function errorOf(event: EventObject): GrantflowError | undefined {
  return 'error' in event ? asGrantflowError(event.error) : undefined
}

function outputOf(event: EventObject): AttemptOutcome | undefined {
  return 'output' in event ? (event.output as AttemptOutcome) : undefined
}

/** A session watcher that reports nothing, until the runtime provides the real one. */
const watchNothing: CallbackActorLogic<EventObject, { call: PendingCall }> = fromCallback(() => () => {})

const callWizardSetup = setup({
  types: {
    context: {} as CallWizardContext,
    input: {} as CallWizardInput,
    events: {} as CallWizardEvent,
    output: {} as { value: unknown },
    tags: {} as 'silent' | 'dialog' | 'failed' | 'ended',
  },
  actors: {
    /** One attempt at the call with the session's current token. */
    attemptCall: notProvided<AttemptOutcome, { call: PendingCall }>('attemptCall'),
    /** Renews the session's token (one refresh for every waiting call); says whether it worked. */
    renewToken: notProvided<AttemptOutcome, { call: PendingCall }>('renewToken'),
    /** Prepares (or joins) the session's consent and sends the user to the provider. */
    beginConsent: notProvided<ConsentOpening, { call: PendingCall; consent: ConsentNeed; wizardId: string; interaction: Interaction }>('beginConsent'),
    /** Delivers the callback (when this wizard has it) and waits for the session's tokens. */
    completeConsent: notProvided<void, { call: PendingCall; callbackUrl: string | undefined }>('completeConsent'),
    /** Watches the token session while the user is at the provider. */
    watchSession: watchNothing,
  },
  guards: {
    hasCall: ({ context }) => context.call !== undefined,
    hasFirstAttempt: ({ context }) => context.firstAttempt !== undefined,
    attemptSucceeded: (_, outcome: AttemptOutcome | undefined) => outcome?.kind === 'succeeded',
    renewalNeeded: ({ context }, outcome: AttemptOutcome | undefined) => outcome?.kind === 'renewalNeeded' && !context.renewed,
    tokenStale: (_, outcome: AttemptOutcome | undefined) => outcome?.kind === 'tokenStale',
    isUnguided: ({ context }) => context.interaction !== 'guided',
    isNonInteractive: ({ context }) => context.interaction === 'none',
  },
  actions: {
    rememberCall: assign(({ event }) => (event.type === 'CALL' ? { call: event.call } : {})),
    rememberResult: assign((_, outcome: AttemptOutcome | undefined) => ({ result: (outcome as { value: unknown }).value, error: undefined })),
    rememberRenewal: assign({ renewed: true }),
    forgetRenewal: assign({ renewed: false }),
    rememberConsentNeed: assign((_, outcome: AttemptOutcome | undefined) =>
      outcome && outcome.kind !== 'succeeded' ? { consent: outcome.need, error: outcome.error } : {},
    ),
    forgetFirstAttempt: assign({ firstAttempt: undefined }),
    /** A retry after consent that still cannot be made: the outcome's error is the reason. */
    rememberUnmetNeed: assign(({ event }) => {
      const outcome = outputOf(event)
      return { error: outcome && outcome.kind !== 'succeeded' ? outcome.error : new CancelledError('the call was refused again after consent') }
    }),
    // Covers invoked actors' error events and CONSENT_FAILED, which both carry `error`.
    rememberError: assign({ error: ({ event }) => errorOf(event) }),
    rememberConsentOpening: assign(({ event }) => {
      const { authorizationUrl, opensProvider } = (event as unknown as { output: ConsentOpening }).output
      return { authorizationUrl, opensProvider }
    }),
    rememberCallbackUrl: assign(({ event }) => (event.type === 'CALLBACK_RECEIVED' ? { callbackUrl: event.callbackUrl } : {})),
    /** Non-interactive: the consent-required error carries the URL to send the user to. */
    rememberConsentRequired: assign(({ context, event }) => {
      const { authorizationUrl, binding } = (event as unknown as { output: ConsentOpening }).output
      const need = context.consent!
      return {
        authorizationUrl,
        error: new ConsentRequiredError({
          provider: need.provider,
          api: need.api,
          scopes: need.scopes,
          reason: need.reason,
          sessionKey: need.sessionKey,
          authorizationUrl,
          ...(binding && { binding }),
        }),
      }
    }),
    rememberConsentTimeout: assign({ error: () => new CancelledError('the consent was not completed in time') }),
    rememberCancellation: assign({ error: () => new CancelledError() }),
    clearAttempt: assign({ error: undefined, callbackUrl: undefined, authorizationUrl: undefined, opensProvider: false, renewed: false }),
  },
  delays: {
    /** How long the wizard waits for the user at the provider before giving up (the call is kept). */
    consentTimeout: 10 * 60_000,
  },
})

/**
 * How an attempt's outcome is judged, in the order that matters: a success ends the wizard; a
 * token that ran out is renewed, every time (never consent while a refresh can succeed); a token
 * refused once is renewed once. Anything else needs consent (the caller adds that branch).
 */
// Forgetting the first attempt comes last: an action's params are read from the context as the
// actions before it left it.
function judgeAttempt(outcome: (args: { context: CallWizardContext; event: EventObject }) => AttemptOutcome | undefined, ...also: ['forgetFirstAttempt'] | []) {
  return [
    { guard: { type: 'attemptSucceeded', params: outcome }, target: 'succeeded', actions: [{ type: 'rememberResult', params: outcome }, ...also] },
    { guard: { type: 'tokenStale', params: outcome }, target: 'refreshing', actions: also },
    { guard: { type: 'renewalNeeded', params: outcome }, target: 'refreshing', actions: also },
  ] as const
}

/** A wizard that stopped short (failed, or consent required) is retried or dismissed the same way. */
const endedShort = {
  RETRY: { target: 'calling', actions: 'clearAttempt' },
  // Dismissed: the error stays the reason.
  CANCEL: { target: 'cancelled' },
} as const

export const callWizardMachine = callWizardSetup.createMachine({
  id: 'callWizard',
  context: ({ input }) => ({
    call: input.call,
    firstAttempt: input.firstAttempt,
    interaction: input.interaction ?? 'automatic',
    wizardId: input.wizardId ?? Math.random().toString(36).slice(2),
    result: undefined,
    error: undefined,
    consent: undefined,
    authorizationUrl: undefined,
    opensProvider: false,
    callbackUrl: undefined,
    renewed: false,
  }),
  initial: 'idle',
  output: ({ context }) => ({ value: context.result }),
  states: {
    idle: {
      always: { guard: 'hasCall', target: 'calling' },
      on: { CALL: { target: 'calling', actions: 'rememberCall' } },
    },
    calling: {
      tags: ['silent'],
      // An attempt already made is judged as this one's outcome: the invoke below never starts.
      always: [
        ...judgeAttempt(({ context }) => context.firstAttempt, 'forgetFirstAttempt'),
        {
          guard: 'hasFirstAttempt',
          target: 'unauthorized',
          actions: [{ type: 'rememberConsentNeed', params: ({ context }) => context.firstAttempt }, 'forgetFirstAttempt'],
        },
      ],
      invoke: {
        id: 'attemptCall',
        src: 'attemptCall',
        input: ({ context }) => ({ call: context.call! }),
        onDone: [
          ...judgeAttempt(({ event }) => outputOf(event)),
          { target: 'unauthorized', actions: { type: 'rememberConsentNeed', params: ({ event }) => event.output } },
        ],
        onError: { target: 'failed', actions: 'rememberError' },
      },
    },
    refreshing: {
      tags: ['silent'],
      invoke: {
        id: 'renewToken',
        src: 'renewToken',
        input: ({ context }) => ({ call: context.call! }),
        onDone: [
          { guard: { type: 'attemptSucceeded', params: ({ event }) => event.output }, target: 'calling', actions: 'rememberRenewal' },
          { target: 'unauthorized', actions: { type: 'rememberConsentNeed', params: ({ event }) => event.output } },
        ],
        onError: { target: 'failed', actions: 'rememberError' },
      },
    },
    /** The call needs consent: `context.consent` says from which provider, for which scopes, and why. */
    unauthorized: {
      tags: ['dialog'],
      always: { guard: 'isUnguided', target: 'awaitingConsent' },
      on: {
        CONSENT_ACCEPTED: { target: 'awaitingConsent' },
        CANCEL: { target: 'cancelled', actions: 'rememberCancellation' },
      },
    },
    awaitingConsent: {
      tags: ['dialog'],
      initial: 'openingProvider',
      // Both steps: the user may give up while the provider opens, or once there.
      on: { CANCEL: { target: 'cancelled', actions: 'rememberCancellation' } },
      states: {
        openingProvider: {
          invoke: {
            id: 'beginConsent',
            src: 'beginConsent',
            input: ({ context }) => ({ call: context.call!, consent: context.consent!, wizardId: context.wizardId, interaction: context.interaction }),
            onDone: [
              { guard: 'isNonInteractive', target: '#callWizard.consentRequired', actions: 'rememberConsentRequired' },
              { target: 'atProvider', actions: 'rememberConsentOpening' },
            ],
            onError: { target: '#callWizard.failed', actions: 'rememberError' },
          },
        },
        /** The user is at the provider (redirected away, or in a popup). */
        atProvider: {
          invoke: { id: 'watchSession', src: 'watchSession', input: ({ context }) => ({ call: context.call! }) },
          after: { consentTimeout: { target: '#callWizard.failed', actions: 'rememberConsentTimeout' } },
          on: {
            CALLBACK_RECEIVED: { target: '#callWizard.exchangingCode', actions: 'rememberCallbackUrl' },
            CODE_EXCHANGE_STARTED: { target: '#callWizard.exchangingCode' },
            SESSION_AUTHORIZED: { target: '#callWizard.retrying' },
            CONSENT_FAILED: { target: '#callWizard.failed', actions: 'rememberError' },
          },
        },
      },
    },
    exchangingCode: {
      tags: ['dialog'],
      invoke: {
        id: 'completeConsent',
        src: 'completeConsent',
        input: ({ context }) => ({ call: context.call!, callbackUrl: context.callbackUrl }),
        onDone: { target: 'retrying' },
        onError: { target: 'failed', actions: 'rememberError' },
      },
    },
    /** The one replay of the call after consent. */
    retrying: {
      tags: ['dialog'],
      invoke: {
        id: 'attemptCall',
        src: 'attemptCall',
        input: ({ context }) => ({ call: context.call! }),
        onDone: [
          {
            guard: { type: 'attemptSucceeded', params: ({ event }) => event.output },
            target: 'succeeded',
            actions: { type: 'rememberResult', params: ({ event }) => event.output },
          },
          // The new token ran out before the replay was sent or answered (refused, so not
          // processed): renew it, then make the replay.
          { guard: { type: 'tokenStale', params: ({ event }) => event.output }, target: 'refreshing' },
          { target: 'failed', actions: 'rememberUnmetNeed' },
        ],
        onError: { target: 'failed', actions: 'rememberError' },
      },
    },
    succeeded: { type: 'final', tags: ['ended'] },
    /** `context.error` says why; the call is kept, and RETRY makes it again from the start. */
    failed: { tags: ['dialog', 'failed', 'ended'], on: endedShort },
    /**
     * Non-interactive (`interaction: 'none'`): nobody is there to consent. `context.error` is the
     * ConsentRequiredError carrying the authorization URL to send the user to; once the app has
     * completed the authorization, RETRY makes the call.
     */
    consentRequired: { tags: ['dialog', 'failed', 'ended'], on: endedShort },
    cancelled: { type: 'final', tags: ['ended'] },
  },
})

export type CallWizardMachine = typeof callWizardMachine
