// A fetch that presents a client certificate in the TLS handshake (RFC 8705 mutual TLS). Node's
// global fetch takes a certificate only through an undici dispatcher, which Node does not export;
// node:https does, so the few requests a token endpoint needs go through it.
import { request as httpsRequest } from 'node:https'
import type { ClientCertificate } from '../model/client.js'

/** PEM text (or buffers) of the client certificate and its private key, and the server's CA where it is not a public one. */
export interface ClientCertificateOptions {
  certificate: string | Buffer
  privateKey: string | Buffer
  passphrase?: string
  /** The CA certificates trusted for the authorization server (default: Node's bundled roots). */
  ca?: string | Buffer | ReadonlyArray<string | Buffer>
}

/**
 * A client certificate for tls_client_auth or self_signed_tls_client_auth: token, refresh and
 * revocation requests sent with it present the certificate; only https URLs are accepted.
 *
 * @example
 * import { clientCertificateFetch } from 'grantflow/server'
 * defineClient({
 *   clientId: 'batch',
 *   authentication: { method: 'tls_client_auth', clientCertificate: clientCertificateFetch({ certificate, privateKey }) },
 * })
 */
export function clientCertificateFetch(options: ClientCertificateOptions): ClientCertificate {
  const tls = {
    cert: options.certificate,
    key: options.privateKey,
    ...(options.passphrase !== undefined && { passphrase: options.passphrase }),
    ...(options.ca !== undefined && { ca: options.ca as string | Buffer | Array<string | Buffer> }),
  }
  const fetchWithCertificate = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    // The certificate proves who the client is only inside TLS; over http it would prove nothing.
    if (url.protocol !== 'https:') throw new TypeError(`a client certificate is only sent over https, not to ${url.origin}`)
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined
    const headers: Record<string, string> = Object.fromEntries(request.headers)
    if (body) headers['content-length'] = String(body.length)
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(url, { method: request.method, headers, signal: request.signal, ...tls }, (incoming) => {
        const chunks: Buffer[] = []
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
        incoming.on('error', reject)
        incoming.on('end', () => {
          const responseHeaders = new Headers()
          for (const [name, value] of Object.entries(incoming.headers)) {
            for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, one)
          }
          const status = incoming.statusCode ?? 502
          const nullBody = status === 204 || status === 304 || request.method === 'HEAD'
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }))
        })
      })
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  }
  return { fetch: fetchWithCertificate as typeof fetch }
}
