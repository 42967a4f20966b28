import { createActor, type Snapshot } from 'xstate'
import type { AttemptOutcome, Interaction } from '../../machines/callWizard.js'
import type { PendingCall } from '../model/session.js'
import type { WizardDeps } from './attempt.js'
import { observeSession } from './tokenSessions.js'
import type { ConsentNavigator } from './navigation.js'
import type { GrantflowOptions, WizardActor } from './types.js'
import { createWizardMachine, driveNavigation, wizardEnded } from './wizardActors.js'

export interface WizardStarterDeps {
  deps: WizardDeps
  navigator: ConsentNavigator | undefined
  interaction: Interaction
  clock: GrantflowOptions<never>['clock']
  inspect: GrantflowOptions<never>['inspect']
  decorate: NonNullable<GrantflowOptions<never>['actors']>['wizard']
  abandonConsent(sessionKey: string): Promise<void>
}

/**
 * Starts and restores call wizards. Loaded with the wizard's machine and actors when a call first
 * needs one: a call with a valid token never does.
 */
export function createWizardStarter({ deps, navigator, interaction, clock, inspect, decorate, abandonConsent }: WizardStarterDeps) {
  const machine = createWizardMachine(deps, decorate)
  const drive = (actor: WizardActor, alreadyOpened?: string) => {
    driveNavigation(actor, navigator, abandonConsent, alreadyOpened)
    observeCallSession(actor)
  }
  /** A wizard in flight observes its call's session, so the session is not let go under it. */
  const observeCallSession = (actor: WizardActor) => {
    const call = actor.getSnapshot().context.call
    let release: (() => void) | undefined
    try {
      release = call && observeSession(deps.sessions.for(deps.target(call)))
    } catch {
      // A call to nothing declared: the wizard fails it with its own error.
    }
    if (release) actor.subscribe({ complete: release, error: release })
  }
  const actorOptions = { ...(clock && { clock }), ...(inspect && { inspect }) }
  let count = 0

  return {
    /** Resolves once the wizard has ended (succeeded, failed or stopped). */
    ended: wizardEnded,
    /** Starts a wizard for a call whose API user is recorded (see calls.ts). */
    async start(call?: PendingCall, options: { interaction?: Interaction; firstAttempt?: AttemptOutcome } = {}): Promise<WizardActor> {
      const actor = createActor(machine, {
        ...actorOptions,
        input: {
          interaction: options.interaction ?? interaction,
          wizardId: `wizard-${++count}`,
          ...(call && { call }),
          ...(options.firstAttempt && { firstAttempt: options.firstAttempt }),
        },
      })
      drive(actor)
      return actor.start()
    },
    /** Restores a wizard saved before a redirect, to deliver it the callback and replay its call. */
    async resume(persisted: Snapshot<unknown>): Promise<WizardActor> {
      const actor = createActor(machine, { ...actorOptions, snapshot: persisted, input: {} })
      // Restored at the provider: the user is back from it, so it is not opened again.
      drive(actor, actor.getSnapshot().context.authorizationUrl)
      return actor.start()
    },
  }
}

export type WizardStarter = ReturnType<typeof createWizardStarter>
