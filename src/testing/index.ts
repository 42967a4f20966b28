/**
 * grantflow's provider kit (`grantflow/testing`): MSW handlers that play a provider's
 * authorization server and API, strictly, so tests state their world in one line.
 *
 * @example
 * import { setupServer } from 'msw/node'
 * import { createProviderKit, hmrcVatRoutes } from 'grantflow/testing'
 *
 * const kit = createProviderKit({ provider: hmrc, environment: 'sandbox', api: hmrcVatRoutes() })
 * const server = setupServer(...kit.handlers)
 */
export { createProviderKit } from './kit.js'
export { hmrcVatRoutes, HMRC_VAT_MEDIA_TYPE } from './hmrcVat.js'
export type { HmrcVatRoutes, HmrcVatRoutesOptions, VatObligation, VatReturn, VatSubmission } from './hmrcVat.js'
export { pisteRoutes, LEGIFRANCE_GET_ARTICLE_PATH } from './piste.js'
export type { LegifranceArticle, PisteRoutesOptions } from './piste.js'
export type {
  ConsentAnswer,
  ConsentOptions,
  KitClient,
  KitCounters,
  KitEndpoint,
  KitFault,
  KitFaultKind,
  KitGrantType,
  KitQuirk,
  KitRequestRecord,
  KitRoute,
  KitRouteContext,
  ProviderKit,
  ProviderKitListenOptions,
  ProviderKitOptions,
  ProviderKitServer,
} from './types.js'
export { callWizardScenarios, playableWith } from './scenarios/wizardScenarios.js'
export type {
  WizardAct,
  WizardArrangement,
  WizardCapability,
  WizardScenario,
  WizardScenarioOptions,
  WizardScenarioStep,
  WizardStart,
} from './scenarios/wizardScenarios.js'
export { createWizardCoverage } from './scenarios/wizardCoverage.js'
export type { WizardCoverage } from './scenarios/wizardCoverage.js'
export { runStoreContract } from './contracts/storeContract.js'
export type { OpenedStore, StoreContractSubject } from './contracts/storeContract.js'
export { runLockContract } from './contracts/lockContract.js'
export type { ClosableLock, LockContractSubject, OpenedLock } from './contracts/lockContract.js'
export { ContractViolation } from './contracts/testApi.js'
export type { ContractTestApi } from './contracts/testApi.js'
export { createTestNavigator } from './scenarios/testNavigator.js'
export type { ProviderAnswer, TestNavigator } from './scenarios/testNavigator.js'
export { createScenarioPlayer } from './scenarios/playWizardScenario.js'
export type { ScenarioPlayer, ScenarioWorld } from './scenarios/playWizardScenario.js'
