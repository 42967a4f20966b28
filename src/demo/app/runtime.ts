// Ledgerline's grantflow runtime, as an app creates it at page load. For a simulated provider the
// demo keeps one document (the fake providers live in this tab), so "leaving for the provider"
// disposes the runtime and coming back creates a new one, over what a real page keeps:
// sessionStorage. For the embedded provider the page really is left, and loaded again.
import { useSyncExternalStore } from 'react'
import { createBrowserStore, createGrantflow, defineClient, type Grantflow } from 'grantflow'
import { getDemo } from '../demo.js'
import { VAT_ENVIRONMENTS, type VatEnvironment } from '../providers.js'
import { accounting, COMPANY, vat } from './apis.js'
import { demoPopupNavigator, demoRedirectNavigator } from './navigators.js'

/** The app's callback routes: HMRC's and the embedded provider's, and Odoo's. */
export const isCallbackPath = (pathname: string) => pathname === '/callback' || pathname === '/callback/odoo'

export interface AppSettings {
  environment: VatEnvironment
  consent: 'redirect' | 'popup'
}

const SETTINGS_KEY = 'ledgerline.settings'
const DEFAULTS: AppSettings = { environment: VAT_ENVIRONMENTS[0]!, consent: 'redirect' }

export function readSettings(): AppSettings {
  try {
    const saved = { ...DEFAULTS, ...(JSON.parse(sessionStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<AppSettings>) }
    // A tab that ran `npm run dev` before `npm run dev:mock` may have saved `local`.
    return VAT_ENVIRONMENTS.includes(saved.environment) ? saved : { ...saved, environment: DEFAULTS.environment }
  } catch {
    return DEFAULTS
  }
}

// The session store lives as long as the document: tokens in memory, the pending authorization
// in sessionStorage (it must survive the trip to the provider).
const store = createBrowserStore()

export interface AppRuntime {
  /** Changes with each (simulated) page load. */
  id: number
  settings: AppSettings
  grantflow: Grantflow<{ vat: typeof vat; accounting: typeof accounting }>
}

let loads = 0
let current: AppRuntime | undefined
const listeners = new Set<() => void>()

function load(): AppRuntime {
  const settings = readSettings()
  const origin = location.origin
  const grantflow = createGrantflow({
    apis: { vat, accounting },
    clients: {
      // Public clients: a browser holds no secret, PKCE protects the code.
      hmrc: defineClient({ clientId: 'ledgerline-web', redirectUri: `${origin}/callback` }),
      // Its own redirect URI: Odoo, as HMRC, does not say who answered (no `iss`), so a code
      // arriving at a shared one could be taken to the wrong provider (mix-up, RFC 9700 §4.4.2).
      odoo: defineClient({ clientId: 'ledgerline', redirectUri: `${origin}/callback/odoo` }),
    },
    environment: { vat: settings.environment, accounting: 'production' },
    apiUser: { company: () => COMPANY.id },
    store,
    navigator: settings.consent === 'popup' ? demoPopupNavigator() : demoRedirectNavigator(leaveApp),
    // Back to the page the user was on; a consent asked again from the callback page goes home.
    returnTo: () => (isCallbackPath(location.pathname) ? '/' : location.pathname),
    inspect: (event) => getDemo().inspector.inspect(event),
  })
  return { id: ++loads, settings, grantflow }
}

/** The runtime of the current page load, created when first needed. */
export function appRuntime(): AppRuntime {
  return (current ??= load())
}

/** What unloading the page does to the app: every live wizard and token session stops. */
export function leaveApp(): void {
  current?.grantflow.dispose()
  current = undefined
}

/** Saves the settings and "reloads the page" with them. */
export function changeSettings(patch: Partial<AppSettings>): void {
  sessionStorage.setItem(SETTINGS_KEY, JSON.stringify({ ...readSettings(), ...patch }))
  leaveApp()
  listeners.forEach((listener) => listener())
}

export function useAppRuntime(): AppRuntime {
  return useSyncExternalStore((listener) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }, appRuntime)
}
