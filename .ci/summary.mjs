// Prints "N passed, N failed" from vitest's JSON report. A test file that failed to load has no
// test results of its own, so it counts as one failure; a report with no tests at all fails.
import { readFileSync } from 'node:fs'

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length
const passed = report.numPassedTests
const failed = report.numFailedTests + brokenFiles
const skipped = report.numPendingTests + report.numTodoTests
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exitCode = failed > 0 || report.numTotalTests === 0 ? 1 : 0
