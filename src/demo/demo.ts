// The demo's halves, set once at boot: the world (fake providers, event log), the inspector that
// follows the app's machines and, under `npm run dev`, the embedded provider's records. A popup
// shares its opener's.
import type { Inspector } from './devtools/inspector.js'
import type { EmbeddedFollower } from './world/embedded.js'
import type { DemoWorld } from './world/world.js'

export interface Demo {
  world: DemoWorld
  inspector: Inspector
  /** The embedded provider's records and log, under `npm run dev`. */
  embedded?: EmbeddedFollower
}

declare global {
  interface Window {
    /** The demo's world, for the popup (which shares its opener's) and for the end-to-end tests. */
    __grantflowDemo?: Demo
  }
}

let demo: Demo | undefined

export function setDemo(value: Demo): void {
  demo = value
}

export function getDemo(): Demo {
  if (!demo) throw new Error('the demo is not started')
  return demo
}
