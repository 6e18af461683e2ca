// Prints one plain closing line, "N passed, N failed, N skipped, N retried", after jest's own
// summary, so that tools reading the end of the log see what ran — and that a test passed only on
// a retry (jest.retryTimes) is never invisible: each retried test is named above the line.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = results;
    const retried = [];
    for (const file of results.testResults)
      for (const t of file.testResults)
        if ((t.invocations ?? 1) > 1) retried.push(`${file.testFilePath}: ${t.fullName} (${t.invocations} runs, ${t.status})`);
    if (retried.length > 0) process.stdout.write(`\nRetried:\n${retried.map((r) => `  ${r}`).join("\n")}\n`);
    process.stdout.write(
      `\n${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped, ${retried.length} retried\n`,
    );
  }
}
module.exports = SummaryReporter;
