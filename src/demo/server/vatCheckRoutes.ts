import { HttpResponse } from 'msw'
import type { KitRoute } from 'grantflow/testing'

/** A UK company as HMRC's "Check a UK VAT number" API describes it. */
export interface VatRegisteredCompany {
  name: string
  vatNumber: string
  address: { line1: string; line2?: string; postcode: string; countryCode: string }
}

const REGISTER: Record<string, VatRegisteredCompany> = {
  '123456789': {
    name: 'Acme Trading Ltd',
    vatNumber: '123456789',
    address: { line1: '1 Market Street', line2: 'Leeds', postcode: 'LS1 6AB', countryCode: 'GB' },
  },
  '987654321': {
    name: 'Bramble & Sons Ltd',
    vatNumber: '987654321',
    address: { line1: '14 Orchard Lane', line2: 'Bristol', postcode: 'BS1 4DJ', countryCode: 'GB' },
  },
  '555666777': {
    name: 'Northwind Logistics plc',
    vatNumber: '555666777',
    address: { line1: 'Unit 7, Dockside', line2: 'Southampton', postcode: 'SO14 3GG', countryCode: 'GB' },
  },
}

/**
 * HMRC's application-restricted "Check a UK VAT number" API (v2.0): the application calls it
 * with its own token (client credentials), never a user's.
 */
export function vatCheckRoutes(now: () => number = Date.now): KitRoute[] {
  return [
    {
      method: 'GET',
      path: '/organisations/vat/check-vat-number/lookup/{targetVrn}',
      applicationOnly: true,
      respond: ({ params }) => {
        const vrn = params.targetVrn ?? ''
        if (!/^\d{9}$/.test(vrn))
          return HttpResponse.json({ code: 'INVALID_REQUEST', message: 'Invalid targetVrn - Vrn parameters should be 9 or 12 digits' }, { status: 400 })
        const target = REGISTER[vrn]
        if (!target) return HttpResponse.json({ code: 'NOT_FOUND', message: 'targetVrn does not match a registered company' }, { status: 404 })
        return { target, processingDate: new Date(now()).toISOString() }
      },
    },
  ]
}
