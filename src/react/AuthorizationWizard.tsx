import { useCallback, useId, useState } from 'react'
import type { GrantflowError } from '../errors.js'
import type { WizardActor } from '../runtime/createGrantflow.js'
import type { ConsentNavigator } from '../runtime/navigation.js'
import { describeError, subjectOf } from './describeError.js'
import { describeScope, type ScopeDescriptions } from './describeScopes.js'
import { useOptionalGrantflow } from './GrantflowProvider.js'
import { prepareNavigator } from './prepareNavigator.js'
import { progressText } from './progressText.js'
import { rootClassName } from './rootClassName.js'
import { useActorSelector } from './useActorSelector.js'
import { defaultViews, Progress, type WizardViewProps, type WizardViews } from './views/index.js'
import { WizardDialog } from './WizardDialog.js'
import { statePath, topState } from './wizardState.js'

/** The whole snapshot: the wizard renders again whenever it moves. */
const whole = <Snapshot,>(snapshot: Snapshot) => snapshot

export interface AuthorizationWizardProps {
  /** The wizard to show (from `useCall().wizard`, `useAuthorizationCallback().wizard`, `startWizard`). Nothing is shown without one. */
  wizard: WizardActor | undefined
  /** The app's name as the user knows it, for "Connect <app> to <API>". */
  appName?: string
  /** What the call does, for sentences such as "Sending your VAT return…" (default "your request"). */
  callLabel?: string
  /** Scopes in the user's words, by scope; others are described from their shape. */
  scopeDescriptions?: ScopeDescriptions
  /** Replaces the view of any state (the dialog, focus and live region stay). */
  views?: WizardViews
  /** The navigator, when there is no `<GrantflowProvider>` (default: the provider's runtime's). */
  navigator?: ConsentNavigator
  /**
   * Leave out the default look: `grantflow/react/styles.css`, imported by the app, does not apply
   * to this wizard (the `gf-*` classes stay, for the app's own).
   */
  unstyled?: boolean
  className?: string
}

/**
 * Renders a call wizard in every state: a dialog while the user takes part (consent, code
 * exchange, the retry, a failure), a status line while it calls or refreshes, nothing when idle
 * or done. Each state's view can be replaced with `views`.
 *
 * @example
 * const submit = useCall(vat, 'submitReturn')
 * <AuthorizationWizard wizard={submit.wizard} appName="Ledgerline" callLabel="your VAT return" />
 */
export function AuthorizationWizard(props: AuthorizationWizardProps) {
  const { wizard, appName = 'This app', callLabel = 'your request', scopeDescriptions, views, unstyled, className } = props
  const runtime = useOptionalGrantflow()
  const navigator = props.navigator ?? runtime?.navigator
  const snapshot = useActorSelector(wizard, whole)
  const titleId = useId()
  const descriptionId = useId()

  // The wizard this dialog is open for: once open, it stays open through a retry's `calling`.
  const [openFor, setOpenFor] = useState<WizardActor>()

  const send = useCallback((type: 'CANCEL' | 'RETRY') => wizard?.send({ type }), [wizard])
  const accept = useCallback(() => {
    prepareNavigator(navigator)
    wizard?.send({ type: 'CONSENT_ACCEPTED' })
  }, [wizard, navigator])

  const state = snapshot ? topState(snapshot) : 'idle'
  // The machine tags its states for this: `dialog` opens it, `silent` works without the user.
  const silent = snapshot?.hasTag('silent') === true
  const open = snapshot?.hasTag('dialog') === true || (openFor === wizard && silent)
  const nextOpenFor = open ? wizard : undefined
  if (nextOpenFor !== openFor) setOpenFor(nextOpenFor)

  if (!wizard || !snapshot) return null
  const path = statePath(snapshot.value)
  const { consent, error, call, result } = snapshot.context
  const viewProps: WizardViewProps = {
    state,
    path,
    snapshot,
    call,
    consent,
    error,
    result,
    appName,
    callLabel,
    navigatorMode: navigator?.mode,
    progress: progressText(path, { consent, callLabel, navigatorMode: navigator?.mode }),
    describeScope: (scope) => describeScope(scope, scopeDescriptions),
    describeError: (e: GrantflowError) => describeError(e, subjectOf(consent)),
    accept,
    cancel: () => send('CANCEL'),
    retry: () => send('RETRY'),
    dismiss: () => send('CANCEL'),
    titleId,
    descriptionId,
  }
  const view = views?.[state] ?? (open && silent ? Progress : defaultViews[state])
  const content = view?.(viewProps)
  const root = rootClassName('gf-wizard', { unstyled, className })

  if (!open) {
    // Always rendered while there is a wizard, so the status is announced when its text changes.
    return (
      <div className={root}>
        <div className="gf-status" role="status" aria-live="polite">
          {content}
        </div>
      </div>
    )
  }

  // Escape declines the consent, leaves it, or dismisses a failure: wherever CANCEL is taken.
  const onEscape = snapshot.can({ type: 'CANCEL' }) ? viewProps.cancel : undefined
  return (
    <div className={root}>
      <WizardDialog titleId={titleId} descriptionId={descriptionId} focusKey={path} onEscape={onEscape} className={`gf-state-${state}`}>
        {content}
        {/* Inside the dialog: with aria-modal, a region outside it may go unheard. */}
        <p className="gf-visually-hidden" role="status" aria-live="polite">
          {viewProps.progress}
        </p>
      </WizardDialog>
    </div>
  )
}
