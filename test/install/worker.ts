// A real process that runs install (test/hook/fixtures/installWorker.ts), for racing installs.
import path from 'node:path'
import { bundleFixture } from '../helpers/bundle.js'

export const buildInstallWorker = (): Promise<string> =>
  bundleFixture(path.join(import.meta.dirname, 'fixtures/installWorker.ts'))
