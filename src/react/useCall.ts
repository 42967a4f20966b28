import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type { ConsentNeed, Interaction } from '../../machines/callWizard.js'
import type { GrantflowError } from '../errors.js'
import type { Api } from '../model/api.js'
import type { WizardActor } from '../runtime/types.js'
import { useGrantflow } from './GrantflowProvider.js'
import { prepareNavigator } from './prepareNavigator.js'
import { apiIdOf, type BodyOf, type CallArguments, type EndpointOf, type ParamsOf, type ResultOf } from './types.js'
import { createWizardObserver } from '../observers/wizardObserver.js'
import { useResumedConsent } from './useResumedConsent.js'

export interface UseCallOptions {
  /**
   * `guided` (default): the wizard stops in `unauthorized` until the user accepts, so
   * `<AuthorizationWizard>` can say who asks for what; `automatic` goes to the provider at once.
   */
  interaction?: Interaction
}

export interface UseCallResult<Params = Record<string, unknown>, Body = unknown, Result = unknown> {
  /** The wizard snapshot's value (`'idle'` before the first call), e.g. `{ awaitingConsent: 'atProvider' }`. */
  state: string | Record<string, unknown>
  /** The same state as one dotted path: `'awaitingConsent.atProvider'`. */
  status: string
  /** Makes the call in a new wizard (the previous one, if any, is stopped). */
  call: (...args: CallArguments<Params, Body>) => Promise<WizardActor>
  result: Result | undefined
  error: GrantflowError | undefined
  /** What consent the call needs (in `unauthorized` and after). */
  consent: ConsentNeed | undefined
  /** Makes the failed call again, with the same params and body. */
  retry: () => void
  /** Cancels the consent, or dismisses a failure. */
  cancel: () => void
  /** The user agreed to go to the provider: call it from the click handler (a popup opens there). */
  accept: () => void
  /** The running wizard, for `<AuthorizationWizard wizard={...} />` and `useSelector`. */
  wizard: WizardActor | undefined
}

/**
 * Calls one endpoint through a call wizard and follows it: state, result, error, and the
 * user's answers (accept, cancel, retry). Pass the API's declaration for typed params and result.
 *
 * @example
 * const submit = useCall(vat, 'submitReturn')
 * <form onSubmit={() => submit.call({ vrn }, vatReturn)}>…</form>
 * <AuthorizationWizard wizard={submit.wizard} />
 * {submit.status === 'succeeded' && <p>Receipt {submit.result?.formBundleNumber}</p>}
 */
export function useCall<A extends Api, K extends keyof A['endpoints'] & string>(
  api: A,
  endpoint: K,
  options?: UseCallOptions,
): UseCallResult<ParamsOf<EndpointOf<A, K>>, BodyOf<EndpointOf<A, K>>, ResultOf<EndpointOf<A, K>>>
export function useCall(api: string, endpoint: string, options?: UseCallOptions): UseCallResult
export function useCall(api: Api | string, endpoint: string, options: UseCallOptions = {}): UseCallResult {
  const grantflow = useGrantflow()
  const apiId = apiIdOf(api)
  const interaction = options.interaction ?? 'guided'
  const [wizard, setWizard] = useState<WizardActor>()

  // A wizard belongs to the component that started it: replaced or unmounted, it stops.
  useEffect(() => () => wizard?.stop(), [wizard])

  // A call of this endpoint kept through a reload while its consent popup was out, made again
  // once the popup's callback reached this page: followed here, as if this page had made it.
  const resumed = useResumedConsent()?.wizard
  useEffect(() => {
    const kept = resumed?.getSnapshot().context.call
    if (!wizard && kept?.api === apiId && kept.endpoint === endpoint) setWizard(resumed)
  }, [resumed, wizard, apiId, endpoint])

  // The view comes from a wizard observer through useSyncExternalStore, as useSession's does.
  const observer = useMemo(() => createWizardObserver(wizard), [wizard])
  const { state, status, result, error, consent } = useSyncExternalStore(observer.subscribe, observer.getSnapshot, observer.getSnapshot)

  const call = useCallback(
    async (params: Record<string, unknown> = {}, body?: unknown) => {
      const actor = await grantflow.startWizard({ api: apiId, endpoint, params, ...(body !== undefined && { body }) }, { interaction })
      setWizard(actor)
      return actor
    },
    [grantflow, apiId, endpoint, interaction],
  )
  const retry = useCallback(() => wizard?.send({ type: 'RETRY' }), [wizard])
  const cancel = useCallback(() => {
    wizard?.send({ type: 'CANCEL' })
  }, [wizard])
  const accept = useCallback(() => {
    if (!wizard) return
    prepareNavigator(grantflow.navigator)
    wizard.send({ type: 'CONSENT_ACCEPTED' })
  }, [wizard, grantflow])

  return { state, status, call: call as UseCallResult['call'], result, error, consent, retry, cancel, accept, wizard }
}
