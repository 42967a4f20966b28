import type { ConsentNavigator, NavigatorRuntime } from '../../runtime/navigation.js'
import type { ProviderKit } from '../types.js'

/** What the user does at the provider, as a scenario's step says (`does.answer`). */
export type ProviderAnswer = 'approve' | 'approveInPopup' | 'deny' | 'close'

/** A consent navigator that is a test's user: give it to createGrantflow, then answer at the provider when the test says. */
export interface TestNavigator extends ConsentNavigator {
  mode: 'custom'
  /** Every authorization URL the app opened, in order. */
  readonly opened: readonly string[]
  /**
   * Waits for the app to open the provider (a URL not answered yet), then acts there as the user:
   * `approve` or `deny` follow the URL through the kit's authorization endpoint and return the
   * callback URL the redirect brings back (hand it to your callback route, or to the wizard as
   * `CALLBACK_RECEIVED`); `approveInPopup` hands the callback to the runtime, as a popup does;
   * `close` leaves without answering (the consent abandoned). The last two return undefined.
   */
  answer(answer: ProviderAnswer): Promise<string | undefined>
  /** Until the next `answer`, the app's consents are approved in the popup way as soon as they open (a user who connects first). */
  approveEverything(on: boolean): void
}

/**
 * The user at the provider kit's authorization endpoint, as a navigator: records what the app
 * opens and answers there as the test says.
 *
 * @example
 * const navigator = createTestNavigator(kit)
 * const grantflow = createGrantflow({ ...options, navigator })
 * const pending = grantflow.apis.vat.obligations(params) // needs consent: the navigator is opened
 * await navigator.answer('approveInPopup')
 * await pending
 */
export function createTestNavigator(kit: ProviderKit): TestNavigator {
  const opened: Array<{ url: string; sessionKey: string }> = []
  let answered = 0
  let autoApprove = false
  let runtime: NavigatorRuntime | undefined
  let wake: (() => void) | undefined
  const connected = () => {
    if (!runtime) throw new Error('test navigator: give it to createGrantflow({ navigator }) before answering')
    return runtime
  }
  const approveInPopup = async (url: string) => {
    const callbackUrl = await kit.authorize(url)
    // A refused exchange ends the wizard's consent in a typed error; the test reads it there.
    await connected()
      .completeAuthorization(callbackUrl)
      .catch(() => undefined)
  }
  return {
    mode: 'custom',
    get opened() {
      return opened.map((visit) => visit.url)
    },
    connect(given) {
      runtime = given
    },
    open(url, { sessionKey }) {
      opened.push({ url, sessionKey })
      if (autoApprove) {
        answered = opened.length
        void approveInPopup(url)
      }
      wake?.()
    },
    approveEverything(on) {
      autoApprove = on
    },
    async answer(answer) {
      while (opened.length <= answered) await new Promise<void>((resolve) => (wake = resolve))
      const { url, sessionKey } = opened[answered++]!
      if (answer === 'close') {
        connected().abandonConsent(sessionKey)
        return undefined
      }
      if (answer === 'approveInPopup') {
        await approveInPopup(url)
        return undefined
      }
      if (answer === 'approve') return kit.authorize(url)
      kit.consent('deny')
      try {
        return await kit.authorize(url)
      } finally {
        kit.consent('approve')
      }
    },
  }
}
