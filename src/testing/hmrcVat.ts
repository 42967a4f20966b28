import type { KitRoute, KitRouteContext } from './types.js'

/** An HMRC VAT obligation: a period the business must file a return for. */
export interface VatObligation {
  start: string
  end: string
  due: string
  status: 'O' | 'F'
  /** Opaque: sent back exactly as received (`18A1`, `#001`...). */
  periodKey: string
  received?: string
}

/** The nine boxes of a VAT return, with its period and the user's declaration. */
export interface VatReturn {
  periodKey: string
  vatDueSales: number
  vatDueAcquisitions: number
  totalVatDue: number
  vatReclaimedCurrPeriod: number
  netVatDue: number
  totalValueSalesExVAT: number
  totalValuePurchasesExVAT: number
  totalValueGoodsSuppliedExVAT: number
  totalAcquisitionsExVAT: number
  finalised: boolean
}

/** A return HMRC accepted, with what it answered. */
export interface VatSubmission {
  vrn: string
  periodKey: string
  body: VatReturn
  receiptId: string
  processingDate: string
  formBundleNumber: string
  chargeRefNumber: string
  paymentIndicator: 'DD' | 'BANK'
}

export interface HmrcVatRoutesOptions {
  /** The obligations every VRN starts with; default four quarters of 2025, the last two open. */
  obligations?: VatObligation[]
}

/** The VAT routes plus the fake HMRC's records, for assertions. */
export type HmrcVatRoutes = KitRoute[] & {
  /** Returns accepted, in order. */
  readonly submissions: VatSubmission[]
  /** Submissions refused as duplicates (403 DUPLICATE_SUBMISSION), in order. */
  readonly duplicates: Array<{ vrn: string; periodKey: string }>
  /** The current obligations of a VRN (a submitted period becomes fulfilled). */
  obligationsOf(vrn: string): VatObligation[]
  /** Forgets submissions, duplicates and fulfilled periods. */
  reset(): void
}

/** The `Accept` media type HMRC's VAT API v1.0 requires, e.g. `headers: { accept: HMRC_VAT_MEDIA_TYPE }`. */
export const HMRC_VAT_MEDIA_TYPE = 'application/vnd.hmrc.1.0+json'

const BOXES = [
  'vatDueSales',
  'vatDueAcquisitions',
  'totalVatDue',
  'vatReclaimedCurrPeriod',
  'netVatDue',
  'totalValueSalesExVAT',
  'totalValuePurchasesExVAT',
  'totalValueGoodsSuppliedExVAT',
  'totalAcquisitionsExVAT',
] as const

const DEFAULT_OBLIGATIONS: VatObligation[] = [
  { start: '2025-01-01', end: '2025-03-31', due: '2025-05-07', status: 'F', periodKey: '25A1', received: '2025-05-02' },
  { start: '2025-04-01', end: '2025-06-30', due: '2025-08-07', status: 'F', periodKey: '25A2', received: '2025-08-01' },
  { start: '2025-07-01', end: '2025-09-30', due: '2025-11-07', status: 'O', periodKey: '25A3' },
  { start: '2025-10-01', end: '2025-12-31', due: '2026-02-07', status: 'O', periodKey: '#001' },
]

/**
 * HMRC's VAT (Making Tax Digital) API as the provider kit's protected API: obligations, submitting
 * a return (once per period) and viewing it, with HMRC's media type, VRN and scope checks.
 *
 * @example
 * const vat = hmrcVatRoutes()
 * const kit = createProviderKit({ provider: hmrc, environment: 'sandbox', api: vat })
 * // ...the app submits a return...
 * expect(vat.submissions).toHaveLength(1)
 * expect(vat.duplicates).toEqual([])
 */
export function hmrcVatRoutes(options: HmrcVatRoutesOptions = {}): HmrcVatRoutes {
  const initial = options.obligations ?? DEFAULT_OBLIGATIONS
  const obligations = new Map<string, VatObligation[]>()
  const submissions: VatSubmission[] = []
  const duplicates: Array<{ vrn: string; periodKey: string }> = []
  const obligationsOf = (vrn: string): VatObligation[] => {
    let list = obligations.get(vrn)
    if (!list) obligations.set(vrn, (list = initial.map((obligation) => ({ ...obligation }))))
    return list
  }

  const routes: KitRoute[] = [
    {
      method: 'GET',
      path: '/organisations/vat/{vrn}/obligations',
      scopes: ['read:vat'],
      userOnly: true,
      respond: hmrcChecked(({ params, query }) => listObligations(obligationsOf(params.vrn ?? ''), query)),
    },
    {
      method: 'POST',
      path: '/organisations/vat/{vrn}/returns',
      scopes: ['write:vat'],
      userOnly: true,
      respond: hmrcChecked(({ params, body, now }) => {
        const vrn = params.vrn ?? ''
        const invalid = validateReturn(body)
        if (invalid) return invalid
        const vatReturn = body as VatReturn
        if (submissions.some((s) => s.vrn === vrn && s.periodKey === vatReturn.periodKey)) {
          duplicates.push({ vrn, periodKey: vatReturn.periodKey })
          return hmrcError(403, 'DUPLICATE_SUBMISSION', 'User has already submitted a VAT return for the given period')
        }
        const submission = acceptReturn(vrn, vatReturn, now)
        submissions.push(submission)
        const obligation = obligationsOf(vrn).find((o) => o.periodKey === vatReturn.periodKey)
        if (obligation) Object.assign(obligation, { status: 'F', received: submission.processingDate.slice(0, 10) })
        return Response.json(
          {
            processingDate: submission.processingDate,
            paymentIndicator: submission.paymentIndicator,
            formBundleNumber: submission.formBundleNumber,
            chargeRefNumber: submission.chargeRefNumber,
          },
          { status: 201, headers: { 'receipt-id': submission.receiptId, 'x-correlationid': crypto.randomUUID() } },
        )
      }),
    },
    {
      method: 'GET',
      path: '/organisations/vat/{vrn}/returns/{periodKey}',
      scopes: ['read:vat'],
      userOnly: true,
      respond: hmrcChecked(({ params }) => {
        const found = submissions.find((s) => s.vrn === params.vrn && s.periodKey === params.periodKey)
        if (!found) return hmrcError(404, 'NOT_FOUND', 'The requested resource could not be found')
        const { finalised: _finalised, ...viewed } = found.body
        return viewed
      }),
    },
  ]

  return Object.assign(routes, {
    submissions,
    duplicates,
    obligationsOf,
    reset() {
      submissions.length = 0
      duplicates.length = 0
      obligations.clear()
    },
  })
}

/** HMRC's checks before any VAT endpoint runs: its versioned media type and a 9-digit VRN. */
function hmrcChecked(respond: (ctx: KitRouteContext) => unknown): KitRoute['respond'] {
  return (ctx) => {
    if (!(ctx.request.headers.get('accept') ?? '').includes(HMRC_VAT_MEDIA_TYPE)) {
      return hmrcError(406, 'ACCEPT_HEADER_INVALID', 'The accept header is missing or invalid')
    }
    if (!/^\d{9}$/.test(ctx.params.vrn ?? '')) return hmrcError(400, 'VRN_INVALID', 'The provided VRN is invalid')
    return respond(ctx)
  }
}

function listObligations(all: VatObligation[], query: URLSearchParams): Response | { obligations: VatObligation[] } {
  const status = query.get('status')
  if (status !== null && status !== 'O' && status !== 'F') return hmrcError(400, 'INVALID_STATUS', 'Invalid status')
  const from = query.get('from')
  const to = query.get('to')
  if (status !== 'O' || from !== null || to !== null) {
    if (!isDate(from)) return hmrcError(400, 'INVALID_DATE_FROM', 'Invalid date from')
    if (!isDate(to)) return hmrcError(400, 'INVALID_DATE_TO', 'Invalid date to')
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000
    if (days < 0 || days > 366) return hmrcError(400, 'INVALID_DATE_RANGE', 'Invalid date range')
  }
  const found = all.filter((o) => (status === null || o.status === status) && (from === null || o.end >= from) && (to === null || o.start <= to))
  if (found.length === 0) return hmrcError(404, 'NOT_FOUND', 'The requested resource could not be found')
  return { obligations: found.map((o) => ({ ...o })) }
}

function validateReturn(body: unknown): Response | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return hmrcError(400, 'INVALID_REQUEST', 'The request body must be a JSON object')
  }
  const record = body as Record<string, unknown>
  if (typeof record.periodKey !== 'string' || !/^.{4}$/.test(record.periodKey)) {
    return hmrcError(400, 'PERIOD_KEY_INVALID', 'Invalid period key')
  }
  const errors = BOXES.filter((box) => typeof record[box] !== 'number' || !Number.isFinite(record[box])).map((box) => ({
    code: 'INVALID_MONETARY_AMOUNT',
    message: 'amount should be a monetary value (to 2 decimal places)',
    path: `/${box}`,
  }))
  if (errors.length > 0) {
    return Response.json({ code: 'INVALID_REQUEST', message: 'Invalid request', errors }, { status: 400 })
  }
  if (record.finalised !== true) return hmrcError(403, 'NOT_FINALISED', 'User has not declared VAT return as final')
  return undefined
}

function acceptReturn(vrn: string, body: VatReturn, now: number): VatSubmission {
  const digits = (count: number) => Array.from(crypto.getRandomValues(new Uint8Array(count)), (b) => b % 10).join('')
  return {
    vrn,
    periodKey: body.periodKey,
    body: { ...body },
    receiptId: crypto.randomUUID(),
    processingDate: new Date(now).toISOString(),
    formBundleNumber: digits(12),
    chargeRefNumber: `XM00${digits(10)}`,
    paymentIndicator: body.totalVatDue < body.vatReclaimedCurrPeriod ? 'BANK' : 'DD',
  }
}

function hmrcError(status: number, code: string, message: string): Response {
  return Response.json({ code, message }, { status })
}

function isDate(value: string | null): value is string {
  return value !== null && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(value))
}
