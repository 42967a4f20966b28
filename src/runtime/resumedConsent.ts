import type { Interaction } from '../../machines/callWizard.js'
import { asGrantflowError, type GrantflowError } from '../errors.js'
import type { PendingCall } from '../model/session.js'
import type { CompletedAuthorization, WizardActor } from './types.js'

/**
 * A consent this page completed without having started it: the consent popup's callback, handed
 * over because the page that opened the popup was reloaded. `working` while its code is
 * exchanged; `resumed` once a wizard makes the call that was kept with it (follow it, as after a
 * redirect back); `completed` when none was kept; `failed` when the callback could not be used.
 */
export interface ResumedConsent {
  status: 'working' | 'resumed' | 'completed' | 'failed'
  /** The wizard making the kept call again (its typed input is `wizard.getSnapshot().context.call`). */
  wizard?: WizardActor
  completion?: CompletedAuthorization
  error?: GrantflowError
}

/** The page's latest resumed consent, to follow with `useSyncExternalStore` (React: `useResumedConsent`). */
export interface ResumedConsentFeed {
  getSnapshot(): ResumedConsent | undefined
  subscribe(listener: () => void): () => void
}

export interface ResumedConsentDeps {
  completeAuthorization(callbackUrl: string): Promise<CompletedAuthorization>
  startWizard(call: PendingCall, options: { interaction: Interaction }): Promise<WizardActor>
}

/**
 * Completes handed-over callbacks as the callback route does after a redirect (checked as a
 * callback another page started: its state, and the API user this page is signed in as), then
 * makes the kept call again in a wizard. The wizard is guided: should the call need another
 * consent, it waits for the user's click (a popup opened without one is blocked).
 */
export function createResumedConsent(deps: ResumedConsentDeps): ResumedConsentFeed & { resume(callbackUrl: string): Promise<void> } {
  let current: ResumedConsent | undefined
  const listeners = new Set<() => void>()
  const publish = (next: ResumedConsent) => {
    current = next
    listeners.forEach((listener) => listener())
  }
  return {
    getSnapshot: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async resume(callbackUrl) {
      publish({ status: 'working' })
      try {
        const completion = await deps.completeAuthorization(callbackUrl)
        if (!completion.call) return publish({ status: 'completed', completion })
        const wizard = await deps.startWizard(completion.call, { interaction: 'guided' })
        publish({ status: 'resumed', wizard, completion })
      } catch (error) {
        publish({ status: 'failed', error: asGrantflowError(error) })
      }
    },
  }
}
