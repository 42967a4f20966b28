import type { KeyValueStorage } from '../session/browserStore.js'
import { useEffect, useRef, useState } from 'react'
import type { Snapshot } from 'xstate'
import { asGrantflowError, type GrantflowError } from '../errors.js'
import type { CompletedAuthorization, WizardActor } from '../runtime/createGrantflow.js'
import { deliverCallbackToOpener, SAVED_WIZARD_KEY } from '../runtime/navigation.js'
import { useGrantflow, type GrantflowRuntime } from './GrantflowProvider.js'

export interface AuthorizationCallbackOptions {
  /** The callback URL (default: the current location). */
  url?: string
  /** Where a redirect saved the wizard (default: sessionStorage). */
  storage?: Pick<KeyValueStorage, 'getItem' | 'removeItem'>
  /**
   * The window, to hand the callback to the opener when this page is the consent popup a popup
   * navigator opened, as marked in its sessionStorage (default: the global one).
   */
  window?: Parameters<typeof deliverCallbackToOpener>[0]
}

export interface AuthorizationCallbackState {
  /**
   * `working` while the callback is handled; `delivered` in the consent popup (the opener finishes, this
   * window closes); `resumed` when a wizard took over (follow it); `completed` when the session
   * was authorized with no call to make; `failed` when the callback could not be used.
   */
  status: 'working' | 'delivered' | 'resumed' | 'completed' | 'failed'
  /** The wizard that finishes the call: the one saved before the redirect, or one for the pending call. */
  wizard: WizardActor | undefined
  /** Where to send the user next and the session authorized, once the code is exchanged. */
  completion: CompletedAuthorization | undefined
  error: GrantflowError | undefined
}

type Outcome = Omit<AuthorizationCallbackState, 'completion'> & { completion?: Promise<CompletedAuthorization> }

/**
 * For the route at the redirect URI. In the consent popup a popup navigator opened, hands the
 * callback to the opener. Otherwise (after a redirect, even in a tab some other page opened, whose
 * opener must not get the code) it handles the callback itself: it restores the wizard saved
 * before leaving and delivers it the callback (once, even under StrictMode's double effects),
 * which exchanges the code and makes the saved call once.
 *
 * @example
 * function CallbackRoute() {
 *   const { wizard, completion } = useAuthorizationCallback()
 *   return <AuthorizationWizard wizard={wizard} />
 * }
 */
export function useAuthorizationCallback(options: AuthorizationCallbackOptions = {}): AuthorizationCallbackState {
  const grantflow = useGrantflow()
  const started = useRef<Promise<Outcome> | null>(null)
  const [state, setState] = useState<AuthorizationCallbackState>({ status: 'working', wizard: undefined, completion: undefined, error: undefined })

  useEffect(() => {
    let live = true
    // The ref survives StrictMode's unmount and remount: the callback is handled once.
    started.current ??= handleCallback(grantflow, options)
    void started.current.then((outcome) => {
      if (!live) return
      setState({ ...outcome, completion: undefined })
      outcome.completion?.then(
        (completion) => live && setState((s) => ({ ...s, completion, status: s.status === 'working' ? 'completed' : s.status })),
        (error) => live && !outcome.wizard && setState((s) => ({ ...s, status: 'failed', error: asGrantflowError(error) })),
      )
    })
    return () => {
      live = false
    }
    // The callback is the page's URL when it loaded: handled once, whatever re-renders (so the
    // options are read once, and deliberately left out of the dependencies).
  }, [grantflow])

  return state
}

/** How long a popup stays open after handing over the callback (the opener closes it sooner). */
export const POPUP_CLOSE_DELAY_MS = 500

async function handleCallback(grantflow: GrantflowRuntime, options: AuthorizationCallbackOptions): Promise<Outcome> {
  const win = options.window ?? (globalThis as unknown as NonNullable<AuthorizationCallbackOptions['window']>)
  if (deliverCallbackToOpener(win)) {
    // The opener closes the popup when the message arrives; should it not, the popup closes itself
    // a moment later (not at once, which the opener could read as the consent abandoned).
    setTimeout(() => win.close(), POPUP_CLOSE_DELAY_MS)
    return { status: 'delivered', wizard: undefined, error: undefined }
  }
  const url = options.url ?? globalThis.location.href
  const storage = options.storage ?? globalThis.sessionStorage
  try {
    const saved = storage.getItem(SAVED_WIZARD_KEY)
    // Used once: a reload of this page must not restore (and replay) it again.
    storage.removeItem(SAVED_WIZARD_KEY)
    if (saved) {
      const wizard = await grantflow.resumeWizard(JSON.parse(saved) as Snapshot<unknown>)
      // The wizard delivers the callback: it exchanges the code, then makes its call once.
      wizard.send({ type: 'CALLBACK_RECEIVED', callbackUrl: url })
      // The same exchange, for where to go next (completeAuthorization is idempotent per state);
      // its failure is the wizard's to show, never an unhandled rejection.
      const completion = grantflow.completeAuthorization(url)
      completion.catch(() => undefined)
      return { status: 'resumed', wizard, completion, error: undefined }
    }
    // No saved wizard (another tab started the consent, or none was saved): replay the pending call.
    const completion = grantflow.completeAuthorization(url)
    const { call } = await completion
    if (!call) return { status: 'working', wizard: undefined, completion, error: undefined }
    const wizard = await grantflow.startWizard(call)
    return { status: 'resumed', wizard, completion, error: undefined }
  } catch (error) {
    return { status: 'failed', wizard: undefined, error: asGrantflowError(error) }
  }
}
