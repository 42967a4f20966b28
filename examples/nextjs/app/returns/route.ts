// POST /returns: the app's own route, posted by a form (a navigation, so a consent redirect takes
// the browser to HMRC). A call that needs consent answers the 303 to HMRC with the consent's
// cookie; back at /api/grantflow/callback, the call is made once and the user is sent back to
// the page the form was on.
import { ConsentRequiredError } from 'grantflow'
import { appOrigin, grantflow, handlers } from '../../lib/grantflow'
import { readVatReturn } from '../../lib/vat'

export const runtime = 'nodejs'

/** A browser's Fetch Metadata and `Origin` say the form was on one of this app's pages. */
function fromOwnPage(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site')
  const from = request.headers.get('origin')
  return (site === null || site === 'same-origin' || site === 'none') && (from === null || from === appOrigin)
}

export async function POST(request: Request): Promise<Response> {
  // Route handlers have no CSRF check of their own (server actions do): only the app's pages may post.
  if (!fromOwnPage(request)) return new Response("Only this app's pages may post here", { status: 403 })
  const form = await request.formData()
  const vrn = form.get('vrn')
  const vatReturn = readVatReturn(form)
  if (typeof vrn !== 'string' || !/^\d{9}$/.test(vrn) || !vatReturn) return new Response('A VRN and every box of the return are needed', { status: 400 })
  try {
    const receipt = await grantflow.withContext(request).apis.vat.submitReturn({ vrn }, vatReturn)
    return Response.redirect(new URL(`/returns/${encodeURIComponent(receipt.formBundleNumber)}`, request.url), 303)
  } catch (error) {
    if (error instanceof ConsentRequiredError) return handlers.consentRedirect(error)
    throw error
  }
}
