// The browser's side of the server route: Ledgerline's server calls HMRC as the application
// (client credentials) and answers here. The browser never sees the client secret or the token.

export interface VatCheckResult {
  target: { name: string; vatNumber: string; address: { line1: string; line2?: string; postcode: string; countryCode: string } }
  processingDate: string
}

/** What the server's application session looks like: no token, only facts. */
export interface ApplicationSession {
  connected: boolean
  scopes: string[]
  expiresAt?: number
  errors: Array<{ at: number; step: string; code: string; error?: string; description?: string }>
  tokenRequests: number
  lookups: number
}

export class ServerRouteError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message)
  }
}

async function get<T>(path: string): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, { headers: { accept: 'application/json' } })
  } catch {
    throw new ServerRouteError('The Ledgerline server could not be reached.', 0, 'network')
  }
  const type = response.headers.get('content-type') ?? ''
  if (!type.includes('application/json')) {
    throw new ServerRouteError('This needs the Ledgerline server: run the demo with npm run dev.', response.status, 'no_server')
  }
  const body = (await response.json()) as T & { code?: string; message?: string }
  if (!response.ok) throw new ServerRouteError(body.message ?? `HTTP ${response.status}`, response.status, body.code ?? 'error')
  return body
}

export const checkVatNumber = (vrn: string, environment: string) =>
  get<VatCheckResult & { server: Pick<ApplicationSession, 'tokenRequests' | 'lookups'> }>(
    `/api/app/vat-check/${encodeURIComponent(vrn)}?environment=${encodeURIComponent(environment)}`,
  )

export const applicationSession = (environment: string) => get<ApplicationSession>(`/api/app/session?environment=${encodeURIComponent(environment)}`)
