// oidc-provider warns at import, through console.warn, on any Node older than its newest LTS line
// ("Unsupported runtime. Use Node.js v22.x LTS…"), with no option or variable to say otherwise.
// grantflow/dev supports Node 20.19+, where that warning would reach every user of a local
// provider as if something were wrong with their setup. So the library is imported here, once,
// with that one warning held back, and the dev provider says in its own words what is true: it
// runs oidc-provider on an older Node, which is fine for a local development provider only.
// Imported lazily (the first request of an origin), never at `import 'grantflow/dev'`: a static
// import would be evaluated before any code of ours could run, and a bundle hoists it anyway.
import type ProviderClass from 'oidc-provider'

const RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime.'

let loading: Promise<typeof ProviderClass> | undefined

/** oidc-provider's Provider class, imported once; its "Unsupported runtime" warning replaced by one line of ours. */
export function loadOidcProvider(): Promise<typeof ProviderClass> {
  return (loading ??= importQuietly())
}

async function importQuietly(): Promise<typeof ProviderClass> {
  const warn = console.warn
  let heldBack = false
  // Only the library's own warning, as attention.warn writes it (in red on a terminal): anything
  // else warned meanwhile goes through.
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && stripColour(args[0]).startsWith(RUNTIME_WARNING)) heldBack = true
    else warn.apply(console, args)
  }
  try {
    const { default: Provider } = await import('oidc-provider')
    return Provider
  } finally {
    console.warn = warn
    if (heldBack) console.warn(runtimeNotice(process.version))
  }
}

/** What the dev provider says instead of oidc-provider's warning. */
export function runtimeNotice(nodeVersion: string): string {
  return `grantflow/dev: running oidc-provider on Node ${nodeVersion}, older than the Node 22 LTS it supports; fine for this local development provider, not for a production authorization server.`
}

// eslint-disable-next-line no-control-regex -- the terminal's colour codes are what is removed
const stripColour = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')
