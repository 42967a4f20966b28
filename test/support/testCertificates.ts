// Certificates for the mutual TLS tests, made at test time with the openssl CLI in a temporary
// folder that is removed at once: no private key is ever committed or left on disk.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Pem {
  certificate: string
  privateKey: string
}

export interface TestCertificates {
  /** The CA the provider trusts for tls_client_auth, and that issued the server's certificate. */
  ca: Pem
  /** The https listener's certificate, for 127.0.0.1. */
  server: Pem
  /** A client certificate issued by the CA, subject `CN=<cn>`. */
  client: Pem
  /** A self-signed client certificate (self_signed_tls_client_auth). */
  selfSigned: Pem
  /** A certificate from another CA, with the same subject as `client`: the provider must refuse it. */
  foreign: Pem
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']

/** A CA, a server certificate for 127.0.0.1 and client certificates whose subject is `CN=<clientCn>`. */
export function makeTestCertificates(clientCn: string): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'grantflow-mtls-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })
  const read = (name: string): Pem => ({ certificate: readFileSync(file(`${name}.crt`), 'utf8'), privateKey: readFileSync(file(`${name}.key`), 'utf8') })
  try {
    const selfSigned = (name: string, subject: string, ...extra: string[]) =>
      openssl('req', '-x509', ...EC, '-keyout', file(`${name}.key`), '-out', file(`${name}.crt`), '-subj', subject, ...extra)
    const issued = (name: string, subject: string, by: string, ...extra: string[]) =>
      openssl(
        'req',
        '-x509',
        ...EC,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.crt`),
        '-subj',
        subject,
        '-CA',
        file(`${by}.crt`),
        '-CAkey',
        file(`${by}.key`),
        ...extra,
      )
    selfSigned('ca', '/CN=grantflow test CA')
    selfSigned('other-ca', '/CN=another CA')
    issued('server', '/CN=127.0.0.1', 'ca', '-addext', 'subjectAltName=IP:127.0.0.1')
    issued('client', `/CN=${clientCn}`, 'ca')
    issued('foreign', `/CN=${clientCn}`, 'other-ca')
    selfSigned('self-signed', '/CN=grantflow self-signed client')
    return { ca: read('ca'), server: read('server'), client: read('client'), selfSigned: read('self-signed'), foreign: read('foreign') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
