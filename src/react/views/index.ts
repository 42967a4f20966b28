import type { ReactNode } from 'react'
import type { WizardStateName } from '../wizardState.js'
import { ConsentInProgress } from './ConsentInProgress.js'
import { ConsentRequest } from './ConsentRequest.js'
import { Failure } from './Failure.js'
import { InlineProgress, Progress } from './Progress.js'
import type { WizardViewProps } from './types.js'

export type { WizardViewProps, WizardViews } from './types.js'
export { ConsentRequest, ConsentInProgress, Progress, InlineProgress, Failure }

/** The default view of each state; `idle`, `succeeded` and `cancelled` show nothing (the app does). */
export const defaultViews: Record<WizardStateName, ((props: WizardViewProps) => ReactNode) | undefined> = {
  idle: undefined,
  calling: InlineProgress,
  refreshing: InlineProgress,
  unauthorized: ConsentRequest,
  awaitingConsent: ConsentInProgress,
  exchangingCode: Progress,
  retrying: Progress,
  failed: Failure,
  consentRequired: Failure,
  succeeded: undefined,
  cancelled: undefined,
}
