// The demo's two halves, set once at boot: the world (fake providers, event log) and the
// inspector that follows the app's machines. A popup shares its opener's.
import type { Inspector } from './devtools/inspector.js'
import type { DemoWorld } from './world/world.js'

export interface Demo {
  world: DemoWorld
  inspector: Inspector
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
