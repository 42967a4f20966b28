// grantflow/machines: the statecharts, pure and framework-free, for the inspector, for model-based
// tests, and for apps that provide their own actors.
export { callWizardMachine } from './callWizard.js'
export type {
  CallWizardContext,
  CallWizardEvent,
  CallWizardInput,
  AttemptOutcome,
  ConsentNeed,
  ConsentOpening,
  Interaction,
  CallWizardMachine,
} from './callWizard.js'
export { tokenSessionMachine } from './tokenSession.js'
export type {
  TokenSessionContext,
  TokenSessionEvent,
  TokenSessionEmitted,
  TokenSessionInput,
  TokenRenewal,
  ConsentRequest,
  TokenSessionMachine,
} from './tokenSession.js'
export { listTransitions, toMermaid, transitionKey } from './diagram.js'
export type { TransitionInfo } from './diagram.js'
