// grantflow/dev: a real authorization server for an app's own dev server, with no account:
// oidc-provider (an optional peer dependency) with sign-in and consent pages and a VAT API that
// accepts only its tokens, as a Vite plugin or on a plain node:http server. Node only, loopback only.
// Node's types for every import of this entry (node:http in its declarations), kept in them, as
// vite's own declarations do: a DOM project's tsconfig (`types: []`) that imports it still checks.
/// <reference types="node" preserve="true" />
export { embeddedProvider as grantflowDevProvider, embeddedProvider, DEMO_ACCOUNT, MAX_ORIGINS } from '../devServer/embeddedProvider.js'
export type { EmbeddedProviderApi, EmbeddedProviderOptions, EmbeddedProviderPlugin } from '../devServer/embeddedProvider.js'
export type { DemoAccount } from '../devServer/accounts.js'
export type { ProviderRequest } from '../devServer/providerRequest.js'
export { startDevProvider } from './startDevProvider.js'
export type { DevProvider, DevProviderOptions } from './startDevProvider.js'
