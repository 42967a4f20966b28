/** The protocol steps, loaded once on first use (see steps.ts). */
let steps: Promise<typeof import('./steps.js')> | undefined

export function loadSteps(): Promise<typeof import('./steps.js')> {
  steps ??= import('./steps.js')
  return steps
}
