// What Ledgerline (the demo's VAT returns app) declares: the APIs it calls and who provides them.
// This is all the authorization code the app has; grantflow does the rest.
import { defineApi, defineEndpoint, defineProvider, fixes, hmrc, shape } from 'grantflow'
import type { VatObligation, VatReturn } from 'grantflow/testing'
import { EMBEDDED, PROVIDERS } from '../providers.js'

export type { VatObligation, VatReturn }

/** Acme Trading Ltd, the company the demo's user files VAT for. */
export const COMPANY = { id: 'acme-trading', name: 'Acme Trading Ltd', vrn: '123456789' }

/**
 * HMRC, and under `npm run dev` a third environment: the embedded oidc-provider, declared as an
 * app declares any provider that publishes discovery. Its VAT API wants HMRC's media type, which
 * `hmrc.prepareApiRequest` sets. (The page's origin is the dev server's, so is the issuer's.)
 */
export const vatProvider =
  PROVIDERS === 'embedded'
    ? defineProvider({
        ...hmrc,
        environments: {
          ...hmrc.environments,
          local: {
            authorizationServer: { issuer: `${location.origin}${EMBEDDED.issuerPath}`, discovery: 'oidc' },
            apiBaseUrl: `${location.origin}${EMBEDDED.apiPath}`,
          },
        },
      })
    : hmrc

/** HMRC's VAT (Making Tax Digital) API, called for the company by a person who consents. */
export const vat = defineApi({
  id: 'vat',
  name: 'VAT (Making Tax Digital)',
  provider: vatProvider,
  endpoints: {
    obligations: defineEndpoint({
      method: 'GET',
      path: '/organisations/vat/{vrn}/obligations',
      scopes: ['read:vat'],
      apiUser: 'company',
      query: shape<{ from: string; to: string }>(),
      result: shape<{ obligations: VatObligation[] }>(),
    }),
    submitReturn: defineEndpoint({
      method: 'POST',
      path: '/organisations/vat/{vrn}/returns',
      scopes: ['write:vat'],
      apiUser: 'company',
      body: shape<VatReturn>(),
      result: shape<VatReceipt>(),
    }),
  },
})

export interface VatReceipt {
  processingDate: string
  formBundleNumber: string
  chargeRefNumber?: string
  paymentIndicator?: 'DD' | 'BANK'
}

/**
 * The company's accounting system, an Odoo REST server. It breaks the spec: its token response
 * has `access_token_validity`, an absolute date, instead of `expires_in`; the fix turns it into a
 * lifetime so expiry works as for any provider.
 */
export const odoo = defineProvider({
  id: 'odoo',
  name: 'Odoo',
  environments: {
    production: {
      authorizationServer: {
        authorizationEndpoint: 'https://acme-trading.odoo.example/oauth2/authorize',
        tokenEndpoint: 'https://acme-trading.odoo.example/oauth2/token',
        revocationEndpoint: 'https://acme-trading.odoo.example/oauth2/revoke',
      },
      apiBaseUrl: 'https://acme-trading.odoo.example/api',
    },
  },
  fixes: [fixes.accessTokenValidity],
})

/** The totals of a period's invoices and bills, as the accounting system reports them. */
export interface VatSummary {
  from: string
  to: string
  sales: { net: number; vat: number }
  purchases: { net: number; vat: number }
  euSupplies: number
  euAcquisitions: { net: number; vat: number }
}

export const accounting = defineApi({
  id: 'accounting',
  name: 'Odoo Accounting',
  provider: odoo,
  endpoints: {
    vatSummary: defineEndpoint({
      method: 'GET',
      path: '/account/vat-summary',
      scopes: ['read:accounting'],
      apiUser: 'company',
      query: shape<{ date_from: string; date_to: string }>(),
      result: shape<VatSummary>(),
    }),
  },
})

/** How the consent dialog and the sessions view put each scope, in HMRC's and Odoo's own words. */
export const SCOPE_WORDS = {
  'read:vat': 'View your VAT information',
  'write:vat': 'Change your VAT information',
  'read:accounting': 'Read your invoices and bills',
}

/** Each call in the user's words, for the wizard's sentences ("Sending your VAT return…"). */
export const CALL_LABELS: Record<string, string> = {
  submitReturn: 'your VAT return',
  obligations: 'your request for obligations',
  vatSummary: 'your request for figures',
}
