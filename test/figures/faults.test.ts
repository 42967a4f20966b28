import { afterEach, describe, expect, it } from 'vitest'
import { CallOutcomeUnknownError, GrantflowError, StorageError, UnexpectedError } from '../../src/index.js'
import { recordFigure, type FigureRecord } from '../support/figures.js'
import { useMsw } from '../support/vatWorld.js'
import { FAULT_LABELS, PAIRS, SENT_ERROR, STEP_REQUEST, type Fault, type Step } from './faultMatrix.js'
import { faultWorld, POST_CALL, wizardCall, wizardEnd, type FaultWorld, type Wizard } from './faultWorld.js'

// The fault matrix: every fault met at every step where it means something (faultMatrix.ts says
// which faults and pairs are left out and why), one fault at a time. A pair counts only when its
// fault was met: an armed request no request matched, or a storage fault no access ran into,
// fails the pair. Each pair must end in silent recovery or a typed GrantflowError carrying the
// provider's `error` code where one was sent, repeat no token, leave the runtime usable once the
// fault is gone, keep the pending call of a wizard that failed (made once on RETRY), and have the
// API receive a POST once, never re-sent by grantflow itself.

const server = useMsw()
/** Bounded, so a pair whose fix is elsewhere (a call that hangs) fails instead of hanging the run. */
const PAIR_TIMEOUT_MS = 2_500
/** The kit's tokens live an hour; two hours later the access token is stale and a refresh is due. */
const PAST_EXPIRY_MS = 2 * 3_600_000

let world: FaultWorld | undefined
afterEach(() => {
  world?.close()
  world = undefined
})

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }
const settle = (promise: Promise<unknown>): Promise<Outcome> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  )

/** Steps whose call goes through consent, run as a wizard whose kept call can be retried. */
const CONSENT_STEPS: Step[] = ['discovery', 'authorization', 'callback', 'codeExchange', 'retryAfterConsent']
/** Steps that send the POST, whose sends are counted. */
const POST_STEPS: Step[] = [...CONSENT_STEPS, 'apiPost']

const records = (w: FaultWorld) => w.grantflow.apis.acme.records({})
const status = (w: FaultWorld) => w.grantflow.apis.acme.status({})
const userKey = async (w: FaultWorld) => (await w.grantflow.sessions.list({ kind: 'user', id: 'ada' }))[0]!.key
/** The times the client sent POST /records with this text, and the times the API received it. */
const postCounts = (w: FaultWorld, text: string) => ({
  sent: w.net.sent.filter((r) => r.kind === 'api' && r.method === 'POST' && r.body?.includes(text)).length,
  received: w.posted.filter((body) => (body as { text?: string }).text === text).length,
})

/** Sessions a step needs before its fault: a user's tokens for the calls after consent. */
async function prepare(w: FaultWorld, step: Step, fault?: Fault): Promise<void> {
  if (['refresh', 'apiGet', 'revocation'].includes(step)) await records(w)
  // A live session serves its calls from memory: a new tab is what reads the store.
  if (step === 'apiGet' && fault === 'storageUnavailable') w.reopen()
  if (step === 'apiPost') await w.grantflow.call(POST_CALL)
  if (step === 'refresh') w.clock.advance(PAST_EXPIRY_MS)
  // Known before the fault, as an app's settings page has it listed.
  if (step === 'revocation') w.sessionKey = await userKey(w)
}

const FAULTED_POST = { ...POST_CALL, body: { text: 'faulted' } }

/** The step itself: what an app does that meets the fault. */
async function act(w: FaultWorld, step: Step): Promise<Outcome & { wizard?: Wizard }> {
  if (CONSENT_STEPS.includes(step)) {
    const { wizard, end } = await wizardCall(w, POST_CALL)
    return end.matches('succeeded') ? { ok: true, value: end.context.result, wizard } : { ok: false, error: end.context.error, wizard }
  }
  switch (step) {
    case 'refresh':
    case 'apiGet':
      return settle(records(w))
    case 'clientCredentials':
      return settle(status(w))
    case 'apiPost':
      return settle(w.grantflow.call(FAULTED_POST))
    case 'revocation':
      return settle(w.grantflow.sessions.disconnect(w.sessionKey!))
    default:
      throw new Error(`no act for ${step}`)
  }
}

/** Arms the fault for the step (HTTP faults and storage faults; skew is set when the world is made). */
function arm(w: FaultWorld, fault: Fault, step: Step): void {
  const request = STEP_REQUEST[step]
  if (fault === 'storageFull' || fault === 'storageUnavailable') {
    const mode = fault === 'storageFull' ? 'full' : 'unavailable'
    const spoil = () => w.storageFault(mode)
    // At the moment the step touches the store: before the redirect (pending saved), as the
    // callback arrives (pending read), or as the step's request is sent (tokens saved after it).
    if (step === 'authorization' || step === 'apiGet' || step === 'revocation') spoil()
    else if (step === 'callback') w.beforeCallback = spoil
    else w.net.tap(request!, spoil)
    return
  }
  w.net.fail(request!, fault as Parameters<FaultWorld['net']['fail']>[1])
}

/** Takes the fault away, and fails the pair if the step never met it (nothing was tested). */
function disarm(w: FaultWorld, fault: Fault): void {
  const unmet = w.net.disarm()
  const callbackSpoiler = w.beforeCallback
  w.storageFault(undefined)
  w.beforeCallback = undefined
  expect(unmet, 'the armed fault met no request').toBe(0)
  expect(callbackSpoiler, 'the callback the fault waited for never came').toBeUndefined()
  if (fault === 'storageFull' || fault === 'storageUnavailable') expect(w.storageRefusals(), 'no storage access met the fault').toBeGreaterThan(0)
}

/** Every message, JSON form and cause of an error, as text, to look for tokens in. */
function errorText(error: unknown): string {
  const parts: string[] = []
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String((e as Error).message), String((e as Error).stack))
    try {
      parts.push(JSON.stringify(e))
    } catch {
      parts.push('(not serialisable)')
    }
  }
  return parts.join('\n')
}

function errorCodesIn(error: unknown): unknown[] {
  const codes: unknown[] = []
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) codes.push((e as { error?: unknown }).error)
  return codes
}

/** A failed outcome is a typed error, with the provider's code where one was sent, and no token in it. */
function expectTypedError(w: FaultWorld, fault: Fault, outcome: Outcome, step?: Step): void {
  if (outcome.ok) return
  expect(outcome.error).toBeInstanceOf(GrantflowError)
  // A fault the runtime is built to meet is named for what it is; only a failing store may be "unexpected".
  expect(outcome.error).not.toBeInstanceOf(UnexpectedError)
  // A store that fails is its own cause, with its own class.
  if ((fault === 'storageFull' || fault === 'storageUnavailable') && outcome.error) {
    expect(outcome.error).toBeInstanceOf(StorageError)
    expect(outcome.error).toMatchObject({ reason: fault === 'storageFull' ? 'full' : 'unavailable' })
  }
  // A POST that went out unanswered may have been done: said so, never "unreachable, try again".
  if ((step === 'apiPost' || step === 'retryAfterConsent') && (fault === 'timeout' || fault === 'network')) {
    expect(outcome.error).toBeInstanceOf(CallOutcomeUnknownError)
    expect(outcome.error).toMatchObject({ method: 'POST', reason: fault })
  }
  // At the authorization endpoint the error page is the user's to see: the app hears only that they gave up.
  const sent = step === 'authorization' ? undefined : SENT_ERROR[fault]
  if (sent) expect(errorCodesIn(outcome.error)).toContain(sent)
  const text = errorText(outcome.error)
  for (const token of w.net.tokensSeen) expect(text).not.toContain(token)
}

/**
 * After the fault: a failed wizard's kept call is retried once; the API has received each POST
 * once, sent by grantflow once per attempt the user asked for; every step's next call succeeds.
 */
async function recover(w: FaultWorld, fault: Fault, step: Step, outcome: Awaited<ReturnType<typeof act>>, figure: FigureRecord): Promise<void> {
  if (CONSENT_STEPS.includes(step)) {
    // Sent at most once before the user's RETRY, whatever the fault.
    const first = postCounts(w, 'once only')
    expect(first.sent).toBeLessThanOrEqual(1)
    await retryKeptCall(outcome.wizard!, outcome.wizard!.getSnapshot(), figure)
    const after = postCounts(w, 'once only')
    // One more send only for the attempt RETRY made; the API has it once either way.
    expect(after.sent).toBe(first.sent + (outcome.ok ? 0 : 1))
    expect(after.received).toBe(1)
    figure.facts!.postNotRepeated = true
  }
  if (step === 'apiPost') {
    // Sent once by the app, whatever the answer; received at most once.
    expect(postCounts(w, 'faulted').sent).toBe(1)
    expect(postCounts(w, 'faulted').received).toBeLessThanOrEqual(1)
    figure.facts!.postNotRepeated = true
  }
  if (step === 'revocation') expectDisconnected(w, fault, outcome)
  // Usable afterwards: the step's own next call succeeds with the fault gone.
  if (step === 'clientCredentials') await expect(status(w)).resolves.toEqual({ up: true })
  else await expect(records(w)).resolves.toMatchObject({ records: expect.any(Array) })
}

/**
 * A failed wizard keeps its call; RETRY (after the fault is gone) must make it succeed. Only a
 * wizard that failed counts towards "pending call kept".
 */
async function retryKeptCall(wizard: Wizard, ended: Awaited<ReturnType<typeof wizardEnd>>, figure: FigureRecord): Promise<void> {
  if (ended.matches('succeeded')) return
  figure.facts!.pendingKept = false
  expect(ended.context.call).toMatchObject(POST_CALL)
  wizard.send({ type: 'RETRY' })
  const done = await wizardEnd(wizard)
  expect(done.context.error).toBeUndefined()
  expect(done.value).toBe('succeeded')
  figure.facts!.pendingKept = true
}

/**
 * A disconnect always forgets the session: its tokens are gone from the tab's storage, and when
 * the provider was not told (`revoked: false`) the typed error says why.
 */
function expectDisconnected(w: FaultWorld, fault: Fault, outcome: Outcome): void {
  expect(outcome.ok).toBe(true)
  const { revoked, error } = (outcome as { value: { revoked: boolean; error?: unknown } }).value
  const kept = w.tokenStorage.values.filter((value) => [...w.net.tokensSeen].some((token) => value.includes(token)))
  if (fault === 'storageUnavailable') {
    // Revoked, and said that the store kept its copy: dead tokens, not hidden ones.
    expect(revoked).toBe(true)
    expectTypedError(w, fault, { ok: false, error })
    expect(w.kit.counters.revocations).toBeGreaterThan(0)
    return
  }
  if (revoked) expect(error).toBeUndefined()
  // Nothing left to disconnect (a closed tab's revocation went through first): the provider was told.
  else if (error === undefined) expect(w.kit.counters.revocations).toBeGreaterThan(0)
  else expectTypedError(w, fault, { ok: false, error }, 'revocation')
  expect(kept, 'tokens left in storage after a disconnect').toEqual([])
}

const wizardOutcome = (ended: Awaited<ReturnType<typeof wizardEnd>>): Outcome =>
  ended.matches('succeeded') ? { ok: true, value: ended.context.result } : { ok: false, error: ended.context.error }

/**
 * A tab closed while the step was under way: the runtime is disposed and a new one restored from
 * what the tab kept (Web Storage and the wizard a redirect navigator saves); whatever the old one
 * left in flight lands afterwards.
 */
async function tabClosed(w: FaultWorld, step: Step, figure: FigureRecord): Promise<Outcome> {
  if (step === 'authorization' || step === 'callback' || step === 'codeExchange') {
    w.user = 'leaves'
    void wizardCall(w, POST_CALL).catch(() => undefined)
    await expect.poll(() => w.visits.length, { interval: 5 }).toBe(1)
    if (step === 'authorization') w.reopen() // closed while the user is at the provider
    const callback = await w.approveAt(w.visits[0]!)
    const held = step === 'authorization' ? undefined : w.net.hold(STEP_REQUEST.codeExchange!)
    if (held) {
      // The old tab got the callback and sent the code exchange; then it is closed (callback) or
      // reloaded before the answer (codeExchange: the new tab's exchange goes first).
      void w.grantflow.completeAuthorization(callback).catch(() => undefined)
      await held.reached
      w.reopen()
      if (step === 'callback') {
        held.release()
        await held.finished
      }
    }
    w.user = 'approves'
    const resumed = await w.grantflow.resumeWizard(w.savedWizard!)
    resumed.send({ type: 'CALLBACK_RECEIVED', callbackUrl: callback })
    const ended = await wizardEnd(resumed)
    if (held) {
      held.release()
      await held.finished
    }
    const outcome = wizardOutcome(ended)
    expectTypedError(w, 'tabClosed', outcome)
    await retryKeptCall(resumed, ended, figure)
    expect(postCounts(w, 'once only')).toEqual({ sent: 1, received: 1 })
    figure.facts!.postNotRepeated = true
    return outcome
  }
  // Any other step: closed while its request is in flight.
  await prepare(w, step)
  const held = w.net.hold(STEP_REQUEST[step]!)
  const before = w.grantflow
  void act(w, step).catch(() => undefined)
  await held.reached
  const restored = w.reopen()
  held.release()
  await held.finished
  // What the old tab left behind settles before the new one goes on.
  await settle(before.sessions.list({ kind: 'user', id: 'ada' }))
  const outcome = await settle(step === 'revocation' ? restored.sessions.disconnect(w.sessionKey!) : records(w))
  expectTypedError(w, 'tabClosed', outcome)
  if (POST_STEPS.includes(step)) {
    // The POST in flight arrives once; the new tab never sends it again (nor the first one's).
    expect(postCounts(w, step === 'apiPost' ? 'faulted' : 'once only')).toEqual({ sent: 1, received: 1 })
    figure.facts!.postNotRepeated = true
  }
  if (step === 'revocation') expectDisconnected(w, 'tabClosed', outcome)
  return outcome
}

describe('fault matrix: one fault at a time at every step', () => {
  for (const { fault, step } of PAIRS) {
    const label = `${step} × ${FAULT_LABELS[fault]}`
    it(
      label,
      async (context) => {
        const figure = recordFigure(context, { group: 'faults', label, facts: {} })
        if (POST_STEPS.includes(step)) figure.facts!.postNotRepeated = false
        const w = (world = faultWorld({ server }))

        if (fault === 'tabClosed') {
          await tabClosed(w, step, figure)
          await expect(records(w)).resolves.toMatchObject({ records: expect.any(Array) })
          return
        }
        await prepare(w, step, fault)
        arm(w, fault, step)
        const outcome = await act(w, step)
        disarm(w, fault)
        expectTypedError(w, fault, outcome, step)
        await recover(w, fault, step, outcome, figure)
      },
      PAIR_TIMEOUT_MS,
    )
  }
})
