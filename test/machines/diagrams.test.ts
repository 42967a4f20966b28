import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { callWizardMachine, tokenSessionMachine, toMermaid } from '../../machines/index.js'

const DIAGRAMS = new URL('../../docs/architecture.md', import.meta.url)
const machines = { callWizard: callWizardMachine, tokenSession: tokenSessionMachine }

function block(name: string, diagram: string) {
  return `<!-- diagram:${name} -->\n\`\`\`mermaid\n${diagram}\n\`\`\`\n<!-- /diagram -->`
}

describe('docs/architecture.md diagrams', () => {
  if (process.env.UPDATE_DIAGRAMS) {
    let text = readFileSync(DIAGRAMS, 'utf8')
    for (const [name, machine] of Object.entries(machines)) {
      text = text.replace(new RegExp(`<!-- diagram:${name} -->[\\s\\S]*?<!-- /diagram -->`), block(name, toMermaid(machine)))
    }
    writeFileSync(DIAGRAMS, text)
  }

  for (const [name, machine] of Object.entries(machines)) {
    it(`shows the ${name} machine as its definition draws it`, () => {
      expect(readFileSync(DIAGRAMS, 'utf8')).toContain(block(name, toMermaid(machine)))
    })
  }
})
