import { createContext, useContext, type ReactNode } from 'react'
import { ConfigurationError } from '../errors.js'
import type { Grantflow } from '../runtime/createGrantflow.js'

/** What the React layer uses of a grantflow runtime (any `createGrantflow()` result fits). */
export type GrantflowRuntime = Pick<
  Grantflow,
  'navigator' | 'startWizard' | 'resumeWizard' | 'completeAuthorization' | 'tokenSession' | 'tokenSessionFor' | 'sessionKeyFor' | 'sessions'
> &
  Partial<Pick<Grantflow, 'resumedConsent'>>

const GrantflowContext = createContext<GrantflowRuntime | null>(null)

/**
 * Makes a grantflow runtime available to the hooks and components below it.
 *
 * @example
 * const grantflow = createGrantflow({ apis: { vat }, clients, environment: 'sandbox', navigator: createPopupNavigator() })
 * root.render(<GrantflowProvider grantflow={grantflow}><App /></GrantflowProvider>)
 */
export function GrantflowProvider({ grantflow, children }: { grantflow: GrantflowRuntime; children?: ReactNode }) {
  return <GrantflowContext.Provider value={grantflow}>{children}</GrantflowContext.Provider>
}

/**
 * The runtime given to the nearest `<GrantflowProvider>`.
 *
 * @example
 * const grantflow = useGrantflow()
 * await grantflow.sessions.disconnect(key)
 */
export function useGrantflow(): GrantflowRuntime {
  const grantflow = useContext(GrantflowContext)
  if (!grantflow) throw new ConfigurationError('useGrantflow() needs a <GrantflowProvider grantflow={...}> above it')
  return grantflow
}

/** The runtime if there is a provider, for components that also work without one. */
export function useOptionalGrantflow(): GrantflowRuntime | null {
  return useContext(GrantflowContext)
}
