// The dev server's VAT API: HMRC's VAT (Making Tax Digital) routes, the same the provider kit
// serves under MSW, here behind the embedded provider's JWT access tokens; and one
// application-restricted route, HMRC's "Check a UK VAT number", for the application's own token.
import { hmrcVatRoutes, type HmrcVatRoutes } from '../testing/hmrcVat.js'
import { createResourceApi, type ResourceApi, type ResourceApiOptions, type ResourceRoute } from './resourceApi.js'

/** A UK company as HMRC's "Check a UK VAT number" API describes it. */
export interface VatRegisteredCompany {
  name: string
  vatNumber: string
  address: { line1: string; line2?: string; postcode: string; countryCode: string }
}

/** The companies the lookup knows, Acme Trading Ltd (the demo's company) first. */
export const VAT_REGISTER: readonly VatRegisteredCompany[] = [
  { name: 'Acme Trading Ltd', vatNumber: '123456789', address: { line1: '1 Market Street', line2: 'Leeds', postcode: 'LS1 6AB', countryCode: 'GB' } },
  { name: 'Bramble & Sons Ltd', vatNumber: '987654321', address: { line1: '14 Orchard Lane', line2: 'Bristol', postcode: 'BS1 4DJ', countryCode: 'GB' } },
  {
    name: 'Northwind Logistics plc',
    vatNumber: '555666777',
    address: { line1: 'Unit 7, Dockside', line2: 'Southampton', postcode: 'SO14 3GG', countryCode: 'GB' },
  },
]

/** HMRC's lookup path; `{targetVrn}` is the VAT number looked up. */
export const VAT_CHECK_PATH = '/organisations/vat/check-vat-number/lookup/{targetVrn}'

/**
 * HMRC's application-restricted "Check a UK VAT number" lookup: the application's own token
 * (client credentials) only, no scope, as HMRC's.
 */
export function vatCheckRoute(register: readonly VatRegisteredCompany[] = VAT_REGISTER): ResourceRoute {
  return {
    method: 'GET',
    path: VAT_CHECK_PATH,
    applicationOnly: true,
    respond: ({ params, now }) => {
      const vrn = params.targetVrn ?? ''
      if (!/^\d{9}$/.test(vrn))
        return Response.json({ code: 'INVALID_REQUEST', message: 'Invalid targetVrn - Vrn parameters should be 9 or 12 digits' }, { status: 400 })
      const target = register.find((company) => company.vatNumber === vrn)
      if (!target) return Response.json({ code: 'NOT_FOUND', message: 'targetVrn does not match a registered company' }, { status: 404 })
      return { target, processingDate: new Date(now).toISOString() }
    },
  }
}

export interface VatResourceApiOptions extends Omit<ResourceApiOptions, 'routes' | 'realm'> {
  /** The VAT routes and their records, to share one VAT world between several APIs (default new). */
  vat?: HmrcVatRoutes
}

export interface VatResourceApi extends ResourceApi {
  /** The returns accepted, refused duplicates and obligations, as the provider kit records them. */
  vat: HmrcVatRoutes
}

/**
 * The VAT API as a node:http handler, validating the issuer's JWT access tokens:
 * - `GET  /organisations/vat/{vrn}/obligations` (read:vat): HMRC's obligations, `from`/`to`/`status`;
 * - `POST /organisations/vat/{vrn}/returns` (write:vat): 201 with HMRC's receipt (processingDate,
 *   formBundleNumber, chargeRefNumber, paymentIndicator), 403 DUPLICATE_SUBMISSION for a period
 *   already filed;
 * - `GET  /organisations/vat/{vrn}/returns/{periodKey}` (read:vat): the return as filed;
 * - `GET  /organisations/vat/check-vat-number/lookup/{targetVrn}`: the application's token only.
 * The VAT routes want HMRC's `Accept: application/vnd.hmrc.1.0+json` (grantflow's `hmrc`
 * provider sends it), as HMRC does.
 *
 * @example
 * const api = createVatResourceApi({ issuer: `${origin}/oidc`, url: `${origin}/api/local` })
 * server.middlewares.use('/api/local', (req, res) => void api.handle(req, res))
 */
export function createVatResourceApi(options: VatResourceApiOptions): VatResourceApi {
  const { vat = hmrcVatRoutes(), ...api } = options
  return { ...createResourceApi({ ...api, realm: 'vat', routes: [...vat, vatCheckRoute()] }), vat }
}
