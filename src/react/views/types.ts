import type { ReactNode } from 'react'
import type { ConsentNeed } from '../../../machines/callWizard.js'
import type { GrantflowError } from '../../errors.js'
import type { PendingCall } from '../../model/session.js'
import type { ConsentNavigator } from '../../runtime/navigation.js'
import type { WizardSnapshot, WizardStateName } from '../wizardState.js'

/** What every state's view is given: the wizard's facts, words for them, and the user's answers. */
export interface WizardViewProps {
  /** The top-level state: the key of the view being rendered. */
  state: WizardStateName
  /** The full state path, e.g. `awaitingConsent.atProvider`. */
  path: string
  snapshot: WizardSnapshot
  call: PendingCall | undefined
  consent: ConsentNeed | undefined
  error: GrantflowError | undefined
  result: unknown
  /** The app asking, as the user knows it. */
  appName: string
  /** What the call does, in the user's words ("your VAT return"). */
  callLabel: string
  /** How the user goes to the provider: a popup keeps this page, a redirect leaves it. */
  navigatorMode: ConsentNavigator['mode'] | undefined
  /** The progress sentence of this state, also announced in the dialog's live region. */
  progress: string | undefined
  describeScope: (scope: string) => string
  describeError: (error: GrantflowError) => string
  /** Go to the provider (opens the popup from the click, for a popup navigator). */
  accept: () => void
  /** Cancel the consent. */
  cancel: () => void
  /** Make the failed call again, with what the user had typed. */
  retry: () => void
  /** Close a failure without retrying. */
  dismiss: () => void
  /** Ids for the dialog's `aria-labelledby` and `aria-describedby`: put them on the title and summary. */
  titleId: string
  descriptionId: string
}

/** A render function per state, replacing the default view of that state. */
export type WizardViews = Partial<Record<WizardStateName, (props: WizardViewProps) => ReactNode>>
