// /api/grantflow/callback (GET), /connect and /disconnect (POST): grantflow's handlers are
// Request -> Response, as Next.js route handlers are, so the route only passes the request on.
// The App Router's route-handler contract, unchanged from Next.js 13.4 to 16: `route.ts` exports
// a function per method, called with the Web Request (a NextRequest), and Next sends the Response
// it returns, every Set-Cookie header included. Reading the request keeps GET dynamic (never cached).
import { handlers } from '../../../../lib/grantflow'

// node:crypto, pg and PGlite: the Node.js runtime, not the Edge one.
export const runtime = 'nodejs'

export function GET(request: Request): Promise<Response> {
  return handlers.handle(request)
}

export function POST(request: Request): Promise<Response> {
  return handlers.handle(request)
}
