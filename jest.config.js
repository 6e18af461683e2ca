// Test tiers by suffix: *.unit.spec.ts (pure logic, no I/O), *.int.spec.ts (one service against
// real Kafka and PostgreSQL), *.e2e.spec.ts (several nodes). Infrastructure is provisioned once per
// run by tests/harness/global-setup.ts (KAFKA_BROKERS/DATABASE_URL, testcontainers, or local).
const common = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2023" }, module: { type: "commonjs" } }] },
  // Workspace packages resolve to their TypeScript sources, so tests need no build step.
  testEnvironmentOptions: { customExportConditions: ["jinlian-source", "node", "require", "default"] },
  moduleFileExtensions: ["ts", "js", "json"],
  testPathIgnorePatterns: ["/node_modules/", "/dist/"],
};

// Only the int and e2e projects provision; jest runs a project's setup only when it has tests to run.
const infra = {
  testEnvironment: "<rootDir>/tests/harness/environment.js",
  globalSetup: "<rootDir>/tests/harness/global-setup.ts",
  globalTeardown: "<rootDir>/tests/harness/global-teardown.ts",
};
// No test is retried by default: a retry can hide exactly the loss or duplicate a test exists to
// catch. A test that keeps one calls jest.retryTimes itself, says why (which limit of the machine),
// and the summary line counts every retry.

/** @type {import('jest').Config} */
module.exports = {
  reporters: ["default", "<rootDir>/tests/harness/summary-reporter.js"],
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/**/*.unit.spec.ts"] },
    { ...common, ...infra, displayName: "int", testMatch: ["<rootDir>/**/*.int.spec.ts"], slowTestThreshold: 30 },
    { ...common, ...infra, displayName: "e2e", testMatch: ["<rootDir>/**/*.e2e.spec.ts"], slowTestThreshold: 60 },
  ],
};
