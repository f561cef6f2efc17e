import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/build.ts'],
    pool: 'forks',
    // Most tests wait on git and child processes, not on the CPU: on 2 cores the default (one
    // worker) leaves the machine idle for most of the run.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
