import { SimulatedClock, type ActorRefLike, type InspectionEvent } from 'xstate'
import type { PendingCall } from '../../model/session.js'
import type { Grantflow } from '../../runtime/types.js'
import type { ProviderKit } from '../types.js'
import { createTestNavigator, type TestNavigator } from './testNavigator.js'
import type { WizardArrangement, WizardCapability, WizardScenario } from './wizardScenarios.js'

/** What playing a scenario needs of your app, beyond its grantflow and the kit. */
export interface ScenarioWorld {
  /** Your app's runtime, created with the player's `navigator`, `inspect` and `clock` and the scenario's `interaction`. */
  grantflow: Pick<Grantflow, 'startWizard' | 'call' | 'sessions' | 'sessionKeyFor'>
  /** The call the user makes (one needing consent at the kit's provider). */
  call: PendingCall
  /** `clock`: moves your app's clock (`now`) past the access token's lifetime. */
  passTokenLifetime?: () => void
  /** `store`: makes your session store fail its next write. */
  failNextStoreWrite?: () => void
  /** `anotherTab`: another tab (or instance sharing the store) completes the consent: the session gets tokens. */
  completeConsentElsewhere?: () => Promise<void>
  /** How long to wait for each step's state (default 5 s). */
  stepTimeoutMs?: number
}

/** Plays wizard scenarios against your app's grantflow and the provider kit; one per scenario (a fresh app each). */
export interface ScenarioPlayer {
  /** Give to createGrantflow: the user at the provider. */
  navigator: TestNavigator
  /** Give to createGrantflow: how the player sees the wizard's states (chain your own inspect after it). */
  inspect(event: InspectionEvent): void
  /** Give to createGrantflow: the wizard's timers, moved by the player for `timeout` scenarios. */
  clock: SimulatedClock
  /** Plays the scenario to its end; throws, naming the step, where the wizard does not reach the step's state. */
  play(scenario: WizardScenario, world: ScenarioWorld): Promise<void>
}

/** What the player does by itself: the rest a ScenarioWorld gives it. */
const PLAYED_BY_THE_PLAYER: readonly WizardCapability[] = ['popup', 'redirect', 'revokeSession', 'timeout']

/**
 * A headless player of the call wizard's scenarios (callWizardScenarios) through your app's
 * grantflow: arranges each step as written, acts as the step says (the app's user through the
 * wizard, the user at the provider through its test navigator) and checks the state that follows.
 * A scenario `given: 'connected'` connects first, through one call of its own.
 *
 * @example
 * const player = createScenarioPlayer(kit)
 * const grantflow = createGrantflow({ ...options, interaction: scenario.interaction, navigator: player.navigator, inspect: player.inspect, clock: player.clock })
 * await player.play(scenario, { grantflow, call, passTokenLifetime: () => clock.advance(tokenLifetimeMs + 1) })
 */
export function createScenarioPlayer(kit: ProviderKit): ScenarioPlayer {
  const navigator = createTestNavigator(kit)
  const clock = new SimulatedClock()
  const visited: string[] = []
  let wizard: ActorRefLike | undefined
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot') return
    const snapshot = event.snapshot as { machine?: { id: string }; value?: unknown }
    if (snapshot.machine?.id !== 'callWizard') return
    // The wizard of this scenario: a wizard started to connect first is forgotten with its states.
    if (wizard !== event.actorRef) {
      wizard = event.actorRef
      visited.length = 0
    }
    const state = dotted(snapshot.value)
    if (visited.at(-1) !== state) visited.push(state)
  }
  return { navigator, inspect, clock, play: (scenario, world) => play(scenario, world) }

  async function play(scenario: WizardScenario, world: ScenarioWorld): Promise<void> {
    const { grantflow, call } = world
    const missing = scenario.uses.filter((use) => !PLAYED_BY_THE_PLAYER.includes(use) && !given(world, use))
    if (missing.length) throw new Error(`scenario player: "${scenario.name}" needs ${missing.join(', ')} from the world`)
    const timeoutMs = world.stepTimeoutMs ?? 5000
    if (scenario.given === 'connected') {
      navigator.approveEverything(true)
      try {
        const connecting = await grantflow.startWizard(call, { interaction: 'automatic' })
        await until(
          () => connecting.getSnapshot().hasTag('ended') || connecting.getSnapshot().status !== 'active',
          () => 'the first call, to connect',
          timeoutMs,
        )
      } finally {
        navigator.approveEverything(false)
      }
    }
    const arrange = async (arrangement: WizardArrangement) => {
      if ('kit' in arrangement) {
        if (arrangement.kit === 'fail') kit.fail(arrangement.fault)
        else kit.expireAccessTokens(arrangement.alsoNext === undefined ? undefined : { alsoNext: arrangement.alsoNext })
      } else if ('clock' in arrangement) world.passTokenLifetime!()
      else if ('store' in arrangement) world.failNextStoreWrite!()
      else await grantflow.sessions.disconnect(grantflow.sessionKeyFor(call))
    }
    let started: ActorRefLike | undefined
    let settled: 'resolved' | 'rejected' | undefined
    if (scenario.start === 'event') started = await grantflow.startWizard(undefined, { interaction: scenario.interaction })
    const send = (event: { type: string; [key: string]: unknown }) => (wizard ?? started)!.send(event)
    let seen = -1
    const reached = (state: string) => {
      const index = visited.indexOf(state, seen + 1)
      if (index !== -1) seen = index
      // The promise API: an attempt that succeeded starts no wizard.
      return index !== -1 || (state === 'succeeded' && settled === 'resolved' && visited.length === 0)
    }
    for (const [i, step] of scenario.steps.entries()) {
      for (const arrangement of step.arrange) await arrange(arrangement)
      const { does } = step
      if (does.by === 'app' && does.act === 'call') {
        if (scenario.start === 'event') send({ type: 'CALL', call })
        else if (scenario.start === 'call') started = await grantflow.startWizard(call, { interaction: scenario.interaction })
        else
          void grantflow.call(call).then(
            () => (settled = 'resolved'),
            () => (settled = 'rejected'),
          )
      } else if (does.by === 'app') send({ type: does.act === 'continue' ? 'CONSENT_ACCEPTED' : does.act === 'cancel' ? 'CANCEL' : 'RETRY' })
      if (does.by === 'provider') {
        const callbackUrl = await navigator.answer(does.answer)
        if (callbackUrl) send({ type: 'CALLBACK_RECEIVED', callbackUrl })
      }
      if (does.by === 'elsewhere') await world.completeConsentElsewhere!()
      if (does.by === 'time') clock.increment(does.advanceMs)
      // A start the app makes (with its call) has no wizard before it.
      if (i === 0 && scenario.start !== 'event') continue
      await until(
        () => reached(step.state),
        () => `${step.state} after step ${i} (${step.event}); the wizard went through ${visited.slice(seen + 1).join(', ') || 'nothing more'}`,
        timeoutMs,
      )
    }
  }
}

function given(world: ScenarioWorld, use: WizardCapability): boolean {
  if (use === 'clock') return world.passTokenLifetime !== undefined
  if (use === 'store') return world.failNextStoreWrite !== undefined
  if (use === 'anotherTab') return world.completeConsentElsewhere !== undefined
  return false
}

async function until(condition: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const start = Date.now()
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`scenario player: timed out waiting for ${what()}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

function dotted(value: unknown): string {
  if (typeof value === 'string') return value
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0]!
  return `${key}.${dotted(inner)}`
}
