// Entry of the stampede part's child that runs built, in plain Node (see bench/lib/built.ts):
// N concurrent calls on an expired token, grantflow's and the ideal client's, in one process.
import { concurrentBatches, type StampedeOptions } from '../parts/stampede.js'

const result = await concurrentBatches(JSON.parse(process.argv[2]!) as StampedeOptions)
process.send!(result, () => process.disconnect())
