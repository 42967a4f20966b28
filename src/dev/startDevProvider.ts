import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { embeddedRoutes, type EmbeddedProviderApi, type EmbeddedProviderOptions } from '../devServer/embeddedProvider.js'
import { createMiddlewareStack } from './middlewareStack.js'

export interface DevProviderOptions extends EmbeddedProviderOptions {
  /** The port on 127.0.0.1; default one the OS picks (`0`). */
  port?: number
}

export interface DevProvider extends EmbeddedProviderApi {
  /** `http://127.0.0.1:{port}`: the origin the provider answers at. */
  url: string
  /** The issuer: `{url}/oidc` (discovery at `{issuer}/.well-known/openid-configuration`). */
  issuer: string
  /** The VAT API's base URL: `{url}/api/local`. */
  apiUrl: string
  /** Stops listening and closes open connections. */
  close(): Promise<void>
}

/**
 * Starts the embedded provider (oidc-provider with its sign-in and consent pages, the VAT API,
 * the application route and the control route, as `grantflowDevProvider()` mounts them in Vite)
 * on a plain node:http server at 127.0.0.1, for a server, a curl or a browser test that does not
 * run Vite. Loopback only, as the plugin: other peers get 403.
 *
 * @example
 * const dev = await startDevProvider() // a port the OS picks
 * console.log(`${dev.issuer}/.well-known/openid-configuration`)
 * await dev.close()
 */
export async function startDevProvider(options: DevProviderOptions = {}): Promise<DevProvider> {
  const { port = 0, ...routes } = options
  const { mount, api } = embeddedRoutes(routes)
  const stack = createMiddlewareStack()
  mount(stack.middlewares, false)
  const server = createServer(stack.listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const issuerPath = `/${(options.issuerPath ?? 'oidc').replace(/^\/+|\/+$/g, '')}`
  const apiPath = `/${(options.apiPath ?? 'api/local').replace(/^\/+|\/+$/g, '')}`
  return {
    ...api,
    url,
    issuer: url + issuerPath,
    apiUrl: url + apiPath,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
