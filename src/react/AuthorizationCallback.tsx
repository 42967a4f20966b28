import { AuthorizationWizard, type AuthorizationWizardProps } from './AuthorizationWizard.js'
import { describeError } from './describeError.js'
import { rootClassName } from './rootClassName.js'
import { useActorSelector } from './useActorSelector.js'
import { useAuthorizationCallback, type AuthorizationCallbackOptions, type AuthorizationCallbackState } from './useAuthorizationCallback.js'
import type { WizardSnapshot } from './wizardState.js'

export interface AuthorizationCallbackProps
  extends AuthorizationCallbackOptions, Pick<AuthorizationWizardProps, 'appName' | 'callLabel' | 'scopeDescriptions' | 'views' | 'unstyled'> {
  /** The provider as the user knows it, for the sentences shown before a wizard names it (default "the provider"). */
  providerName?: string
  /** Where the way back leads when the authorization names no `returnTo` (default `/`). */
  home?: string
  className?: string
}

/**
 * The whole page at the redirect URI, built on `useAuthorizationCallback`: what it shows for each
 * of the hook's states (`data-state` on its root says which):
 * - `working`: "Finishing the connection to HM Revenue & Customs…", announced (role status);
 * - `delivered` (the consent popup): "You can close this window", which closes itself;
 * - `resumed`: the saved call's wizard (progress, then its result or its error with Try again), and
 *   once it succeeded, "Connected" with a link back to where the user was (`returnTo`);
 * - `completed` (the session authorized, no call to replay): "Connected", and the link back;
 * - `failed`: the error in words (a denial, a callback that could not be verified or had expired)
 *   with a link back to where the user started (the error's `returnTo`), to try again from there.
 *
 * @example
 * // The route at the redirect URI:
 * <AuthorizationCallback appName="Ledgerline" providerName="HM Revenue & Customs" />
 */
export function AuthorizationCallback(props: AuthorizationCallbackProps) {
  const { url, storage, window, providerName = 'the provider', home = '/', className, ...wizardProps } = props
  const state = useAuthorizationCallback({ ...(url && { url }), ...(storage && { storage }), ...(window && { window }) })
  const wizardSucceeded = useActorSelector(state.wizard, succeeded)
  const provider = useActorSelector(state.wizard, providerNamed) ?? providerName
  const back = returnPath(state, home)
  return (
    <section className={rootClassName('gf-callback', { unstyled: wizardProps.unstyled, className })} data-state={state.status}>
      {body(state, { provider, back, wizardSucceeded })}
      {state.wizard && <AuthorizationWizard wizard={state.wizard} {...wizardProps} />}
    </section>
  )
}

const succeeded = (snapshot: WizardSnapshot | undefined) => snapshot?.matches('succeeded') === true
/** The provider the wizard's consent names, once it does. */
const providerNamed = (snapshot: WizardSnapshot | undefined) => snapshot?.context.consent?.provider.name

function body(state: AuthorizationCallbackState, words: { provider: string; back: string; wizardSucceeded: boolean }) {
  const { provider, back } = words
  switch (state.status) {
    case 'working':
      return (
        <p role="status" className="gf-text">
          Finishing the connection to {provider}…
        </p>
      )
    case 'delivered':
      return (
        <p role="status" className="gf-text">
          Connected to {provider}. You can close this window.
        </p>
      )
    case 'resumed':
      return words.wizardSucceeded ? <Connected provider={provider} back={back} /> : null
    case 'completed':
      return <Connected provider={provider} back={back} />
    case 'failed':
      return (
        <div role="alert">
          <p className="gf-text">{state.error ? describeError(state.error, { provider, api: 'the service' }) : 'Something unexpected went wrong.'}</p>
          <a className="gf-button gf-primary" href={back}>
            Go back and try again
          </a>
        </div>
      )
  }
}

function Connected({ provider, back }: { provider: string; back: string }) {
  return (
    <div role="status">
      <p className="gf-text">Connected to {provider}.</p>
      <a className="gf-button gf-primary" href={back}>
        Continue
      </a>
    </div>
  )
}

/** Where the way back leads: the authorization's `returnTo` (checked same-origin when it was made), else home. */
function returnPath(state: AuthorizationCallbackState, home: string): string {
  const fromError = (state.error as { returnTo?: string } | undefined)?.returnTo
  return state.completion?.returnTo ?? fromError ?? home
}
