import { createActor, fromCallback, fromPromise, getInitialSnapshot, type AnyActorLogic, type EventObject } from 'xstate'
import { callWizardMachine, type ConsentNeed, type Interaction } from '../../../machines/callWizard.js'
import type { PendingCall } from '../../model/session.js'
import type { KitFault } from '../types.js'
import { transitionsTaken } from './coverage.js'
import { continueUntil, edgeCoveragePaths, pathKey, type ModelStep, type PathOptions } from './paths.js'
import { attemptOutcomes, serializeWizardState, wizardEvents } from './wizardModel.js'

/**
 * Who or what makes a step happen, as a UI test plays it:
 * - `app`: the user in the app: makes the call, continues to the provider from the wizard's
 *   dialog, cancels (or dismisses), tries again;
 * - `provider`: the user at the provider: `approve` and come back to the app (a redirect),
 *   `approveInPopup` (the callback reaches the app elsewhere: a popup, the callback route),
 *   `deny`, `close` (leaves without answering: the popup closed, the consent abandoned);
 * - `elsewhere`: another tab completes the consent (the session gets tokens);
 * - `time`: the user stays at the provider past the wizard's consent timeout (10 minutes);
 * - `follows`: nothing; the previous step's work ends this way, given the step's `arrange`.
 */
export type WizardAct =
  | { by: 'app'; act: 'call' | 'continue' | 'cancel' | 'retry' }
  | { by: 'provider'; answer: 'approve' | 'approveInPopup' | 'deny' | 'close' }
  | { by: 'elsewhere' }
  | { by: 'time'; advanceMs: number }
  | { by: 'follows' }

/**
 * What to set up before a step's act, so that the step's outcome follows: a kit fault to arm,
 * the kit's access tokens expired (the API refuses the token: 401), the app's clock moved past
 * the token's lifetime (the token is stale before it is sent), the session revoked at the app,
 * or the app's session store failing its next write.
 */
export type WizardArrangement =
  | { kit: 'fail'; fault: KitFault }
  /** `kit.expireAccessTokens({ alsoNext })`: with `alsoNext`, the tokens a renewal gets later are refused too. */
  | { kit: 'expireAccessTokens'; alsoNext?: number }
  | { clock: 'passTokenLifetime' }
  | { session: 'revoke' }
  | { store: 'failNextWrite' }

export interface WizardScenarioStep {
  /** The wizard's event, readable: `CALL`, `done.actor.attemptCall(consentNeeded)`. */
  event: string
  /** Set up before `does`. */
  arrange: WizardArrangement[]
  does: WizardAct
  /** The wizard's state after the step, dotted: `awaitingConsent.atProvider`. */
  state: string
  /** The wizard's transitions the step takes (keys as `grantflow/machines`' transitionKey). */
  transitions: string[]
}

/** What makes a scenario playable: a test that cannot do one of these skips scenarios needing it. */
export type WizardCapability = 'clock' | 'store' | 'anotherTab' | 'popup' | 'redirect' | 'revokeSession' | 'timeout'

/** How the app starts the wizard: `event` (a wizard started idle, then CALL), `call` (started with its call), or `attempted` (the promise API: the call was attempted first). */
export type WizardStart = 'event' | 'call' | 'attempted'

export interface WizardScenario {
  /** Unique and readable: the interaction and the events in order. */
  name: string
  interaction: Interaction
  start: WizardStart
  /** The session the user starts with: none (consent first) or a connected one with a valid token. */
  given: 'noSession' | 'connected'
  steps: WizardScenarioStep[]
  /** Every kit fault the scenario arms, in order (also in its steps' `arrange`). */
  faults: KitFault[]
  /** What the user answers at the provider, in order. */
  atProvider: Array<Extract<WizardAct, { by: 'provider' }>['answer']>
  /** The state it ends in: `succeeded`, `failed`, `cancelled` or `consentRequired`. */
  end: string
  uses: WizardCapability[]
  /** Every wizard transition it takes (the steps' together). */
  transitions: string[]
}

export interface WizardScenarioOptions {
  /** Default all three. */
  interactions?: readonly Interaction[]
  /** Default all three. */
  starts?: readonly WizardStart[]
}

const CALL: PendingCall = { api: 'api', endpoint: 'endpoint', params: {} }
const NEED: ConsentNeed = {
  provider: { id: 'provider', name: 'Provider' },
  api: { id: 'api', name: 'API' },
  scopes: ['scope'],
  reason: 'no_session',
  sessionKey: 'api/environment/user',
}
const CONSENT_TIMEOUT_MS = 10 * 60_000

/**
 * Every path of the call wizard as a scenario an app's UI test can play: generated from the
 * wizard's graph (xstate/graph), one path per transition (shortest to its source, then on to an
 * ending), each step saying what to arrange, who acts, and the state that follows. Together they
 * take every transition of the wizard.
 *
 * @example
 * for (const scenario of callWizardScenarios({ interactions: ['guided'] }).filter(playableWith(['redirect']))) {
 *   it(scenario.name, () => playThroughMyScreens(scenario))
 * }
 */
export function callWizardScenarios(options: WizardScenarioOptions = {}): WizardScenario[] {
  const interactions = options.interactions ?? ['automatic', 'guided', 'none']
  const starts = options.starts ?? ['event', 'call', 'attempted']
  const scenarios: WizardScenario[] = []
  for (const interaction of interactions) {
    if (starts.includes('event')) scenarios.push(...scenariosFrom({ interaction }, interaction, 'event'))
    if (starts.includes('call')) scenarios.push(...scenariosFrom({ interaction, call: CALL }, interaction, 'call').slice(0, 1))
    if (starts.includes('attempted')) {
      const { consentNeeded, renewalNeeded, tokenStale } = attemptOutcomes(NEED)
      for (const firstAttempt of [{ kind: 'succeeded' as const, value: {} }, tokenStale, renewalNeeded, consentNeeded]) {
        scenarios.push(...scenariosFrom({ interaction, call: CALL, firstAttempt }, interaction, 'attempted').slice(0, 1))
      }
    }
  }
  return scenarios
}

/** A filter for scenarios a test can play with these capabilities (those needing none always). */
export function playableWith(capabilities: readonly WizardCapability[]): (scenario: WizardScenario) => boolean {
  return (scenario) => scenario.uses.every((use) => capabilities.includes(use))
}

function scenariosFrom(input: Record<string, unknown>, interaction: Interaction, start: WizardStart): WizardScenario[] {
  const options: PathOptions<typeof callWizardMachine> = { input, events: wizardEvents(CALL, NEED), serializeState: serializeWizardState }
  const ended = (snapshot: ModelStep['state']) => (snapshot as unknown as { hasTag(tag: string): boolean }).hasTag('ended')
  const seen = new Set<string>()
  const result: WizardScenario[] = []
  const edgePaths = edgeCoveragePaths(callWizardMachine, options)
  // A start that is an ending already (a first attempt that succeeded) has no edge to take.
  if (edgePaths.length === 0) {
    edgePaths.push([{ event: { type: 'xstate.init' }, state: getInitialSnapshot(callWizardMachine, input as never) as unknown as ModelStep['state'] }])
  }
  for (const edgePath of edgePaths) {
    const path = continueUntil(callWizardMachine, edgePath, ended, options)
    if (!path) continue
    for (const variant of variantsOf(path)) {
      const key = `${pathKey(path)} ${variant}`
      if (seen.has(key)) continue
      seen.add(key)
      result.push(toScenario(path, input, interaction, start, variant))
    }
  }
  // Longer paths first took the ones they contain: keep only paths no other one extends.
  const names = result.map((scenario) => scenario.steps.map((step) => step.event).join(' > '))
  return result.filter((_, i) => !names.some((other, j) => j !== i && other.startsWith(names[i]! + ' > ')))
}

/** A code refused at the exchange is played twice: a fault at the token endpoint, and the user denying. */
function variantsOf(path: ModelStep[]): Array<'' | 'deny'> {
  const refusedAfterCallback = path.some(
    (step, i) => step.event.type === 'CALLBACK_RECEIVED' && path[i + 1]?.event.type === 'xstate.error.actor.completeConsent',
  )
  return refusedAfterCallback ? ['', 'deny'] : ['']
}

function toScenario(path: ModelStep[], input: Record<string, unknown>, interaction: Interaction, start: WizardStart, variant: '' | 'deny'): WizardScenario {
  const taken = replayTransitions(path, input)
  const steps: WizardScenarioStep[] = []
  let connected = start === 'attempted' ? (input.firstAttempt as { kind: string }).kind !== 'consentNeeded' : false
  let given: WizardScenario['given'] | undefined = start === 'attempted' ? (connected ? 'connected' : 'noSession') : undefined
  path.forEach((modelStep, i) => {
    const next = path[i + 1]?.event
    const previous = path[i - 1]?.event
    const { does, arrange } = i === 0 && start !== 'event' ? firstCall(input) : stepOf(modelStep.event, { previous, next }, { connected, variant })
    // What makes a following outcome happen is set up before the act that starts the work.
    if (does.by === 'follows' && arrange.length > 0) {
      const owner = [...steps].reverse().find((step) => step.does.by !== 'follows') ?? steps[0]
      owner?.arrange.push(...arrange)
      arrange.length = 0
    }
    const kind = (modelStep.event as { output?: { kind?: string } }).output?.kind
    const isAttempt = modelStep.event.type === 'xstate.done.actor.attemptCall'
    if (isAttempt && given === undefined) given = kind === 'consentNeeded' ? 'noSession' : 'connected'
    // A failed attempt was sent: only a connected session sends one.
    if (modelStep.event.type === 'xstate.error.actor.attemptCall') given ??= 'connected'
    if (isAttempt && kind === 'consentNeeded') connected = false
    if (['xstate.done.actor.completeConsent', 'SESSION_AUTHORIZED'].includes(modelStep.event.type) || (isAttempt && kind !== 'consentNeeded')) {
      connected = true
    }
    steps.push({ event: readableEvent(modelStep.event), arrange, does, state: dotted(modelStep.state.value), transitions: taken[i] ?? [] })
  })
  const faults = steps.flatMap((step) => step.arrange.flatMap((a) => ('fault' in a ? [a.fault] : [])))
  const atProvider = steps.flatMap((step) => (step.does.by === 'provider' ? [step.does.answer] : []))
  const uses = new Set<WizardCapability>()
  for (const step of steps) {
    for (const a of step.arrange) {
      if ('clock' in a) uses.add('clock')
      if ('store' in a) uses.add('store')
      if ('session' in a) uses.add('revokeSession')
    }
    if (step.does.by === 'elsewhere') uses.add('anotherTab')
    if (step.does.by === 'time') uses.add('timeout')
    if (step.does.by === 'provider' && step.does.answer === 'approveInPopup') uses.add('popup')
    if (step.does.by === 'provider' && (step.does.answer === 'approve' || step.does.answer === 'deny')) uses.add('redirect')
  }
  const firstAttempt = (input.firstAttempt as { kind?: string } | undefined)?.kind
  const opening = start === 'event' ? [] : [start === 'call' ? 'started with the call' : `started after an attempt (${firstAttempt})`]
  const events = [...opening, ...steps.slice(1).map((step) => step.event)]
  return {
    name: `${interaction}: ${events.join(' → ')}${variant ? ` (the user denies)` : ''}`,
    interaction,
    start,
    given: given ?? 'noSession',
    steps,
    faults,
    atProvider,
    end: steps[steps.length - 1]!.state,
    uses: [...uses].sort(),
    transitions: [...new Set(steps.flatMap((step) => step.transitions))],
  }
}

/** A wizard started with its call (or its first attempt made): the app's call starts it, given what that attempt met. */
function firstCall(input: Record<string, unknown>): { does: WizardAct; arrange: WizardArrangement[] } {
  const kind = (input.firstAttempt as { kind?: string } | undefined)?.kind
  const arrange: WizardArrangement[] =
    kind === 'tokenStale' ? [{ clock: 'passTokenLifetime' }] : kind === 'renewalNeeded' ? [{ kit: 'expireAccessTokens' }] : []
  return { does: { by: 'app', act: 'call' }, arrange }
}

/** An event as a scenario's step names it: `CALL`, `attemptCall(consentNeeded)`, `error: renewToken`, `after consentTimeout`. */
function readableEvent(event: EventObject): string {
  const actor = /^xstate\.(done|error)\.actor\.(\w+)$/.exec(event.type)
  if (actor?.[1] === 'error') return `error: ${actor[2]}`
  if (actor) {
    const kind = (event as { output?: { kind?: string } }).output?.kind
    return kind ? `${actor[2]}(${kind})` : `${actor[2]!} done`
  }
  const after = /^xstate\.after\.(\w+)\./.exec(event.type)
  if (after) return `after ${after[1]}`
  return event.type.replace(/^xstate\./, '')
}

/** What the world does for one of the model's events (see WizardAct and WizardArrangement). */
function stepOf(
  event: EventObject,
  { previous, next }: { previous: EventObject | undefined; next: EventObject | undefined },
  world: { connected: boolean; variant: '' | 'deny' },
): { does: WizardAct; arrange: WizardArrangement[] } {
  const kind = (event as { output?: { kind?: string } }).output?.kind
  const follows = (...arrange: WizardArrangement[]) => ({ does: { by: 'follows' } as WizardAct, arrange })
  const fail = (fault: KitFault): WizardArrangement => ({ kit: 'fail', fault })
  switch (event.type) {
    case 'xstate.init':
      return follows()
    case 'CALL':
      return { does: { by: 'app', act: 'call' }, arrange: [] }
    case 'xstate.done.actor.attemptCall':
      if (kind === 'tokenStale') return follows({ clock: 'passTokenLifetime' })
      // After a renewal that succeeded, the refused token is the one the renewal got: it is issued
      // after this arrangement (set up before the act that started the work), so it is named ahead.
      if (kind === 'renewalNeeded') return follows(renewed(previous) ? { kit: 'expireAccessTokens', alsoNext: 1 } : { kit: 'expireAccessTokens' })
      if (kind === 'consentNeeded') return follows(...(world.connected ? [{ session: 'revoke' } as const] : []))
      return follows()
    case 'xstate.error.actor.attemptCall':
      return follows(fail({ endpoint: 'api', kind: 'server_error' }))
    case 'xstate.done.actor.renewToken':
      return kind === 'consentNeeded' ? follows(fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'refresh_token' })) : follows()
    case 'xstate.error.actor.renewToken':
      // Down for good: for the refresh an API's 401 starts, the one the wizard's renewal makes, and
      // every retry the app's retry policy adds (the kit's reset() clears it).
      return follows(fail({ endpoint: 'token', kind: 'unavailable', grant: 'refresh_token', times: Infinity }))
    case 'xstate.done.actor.beginConsent':
      return follows()
    case 'xstate.error.actor.beginConsent':
      return follows({ store: 'failNextWrite' })
    case 'CONSENT_ACCEPTED':
      return { does: { by: 'app', act: 'continue' }, arrange: [] }
    case 'CANCEL':
      return { does: { by: 'app', act: 'cancel' }, arrange: [] }
    case 'RETRY':
      return { does: { by: 'app', act: 'retry' }, arrange: [] }
    case 'CALLBACK_RECEIVED':
      if (next?.type === 'xstate.error.actor.completeConsent' && world.variant === 'deny') return { does: { by: 'provider', answer: 'deny' }, arrange: [] }
      return { does: { by: 'provider', answer: 'approve' }, arrange: [] }
    case 'CODE_EXCHANGE_STARTED':
      return { does: { by: 'provider', answer: 'approveInPopup' }, arrange: [] }
    case 'SESSION_AUTHORIZED':
      return { does: { by: 'elsewhere' }, arrange: [] }
    case 'CONSENT_FAILED':
      return { does: { by: 'provider', answer: 'close' }, arrange: [] }
    case 'xstate.after.consentTimeout.callWizard.awaitingConsent.atProvider':
      return { does: { by: 'time', advanceMs: CONSENT_TIMEOUT_MS + 1 }, arrange: [] }
    case 'xstate.done.actor.completeConsent':
      return follows()
    case 'xstate.error.actor.completeConsent':
      return world.variant === 'deny' ? follows() : follows(fail({ endpoint: 'token', kind: 'invalid_grant', grant: 'authorization_code' }))
    default:
      return follows()
  }
}

/** Whether an event is a renewal that got a new token. */
function renewed(event: EventObject | undefined): boolean {
  return event?.type === 'xstate.done.actor.renewToken' && (event as { output?: { kind?: string } }).output?.kind === 'succeeded'
}

/** The transitions each step of a path takes, read from a dry run of the wizard (its actors never settle; the path's events are sent). */
function replayTransitions(path: ModelStep[], input: Record<string, unknown>): string[][] {
  const never = fromPromise(() => new Promise<never>(() => {}))
  const dry = callWizardMachine.provide({
    actors: { attemptCall: never, renewToken: never, beginConsent: never, completeConsent: never, watchSession: fromCallback(() => () => {}) } as Record<
      string,
      AnyActorLogic
    > as never,
  })
  const perStep: string[][] = []
  let current: string[] = []
  const actor = createActor(dry, { input: input as never, inspect: (event) => current.push(...transitionsTaken(callWizardMachine, event)) })
  actor.start()
  perStep.push(current)
  for (const step of path.slice(1)) {
    current = []
    actor.send(step.event as never)
    perStep.push(current)
  }
  actor.stop()
  return perStep
}

function dotted(value: unknown): string {
  if (typeof value === 'string') return value
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!
  return `${key}.${dotted(inner)}`
}
