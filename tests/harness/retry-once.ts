// Integration and end-to-end tests share one 2-core machine with a broker, a database and each
// other; a test that fails is run once more, and the first failure is printed, so a timing flake
// is visible in the log without turning CI red. A test that fails twice fails.
jest.retryTimes(1, { logErrorsBeforeRetry: true });
