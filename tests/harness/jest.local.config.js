// TEMPORARY, harness-local jest config: runs tests/infra/*.int.spec.ts with the harness's global
// setup/teardown before the root jest.config.js exists. Usage from the repo root:
//   pnpm exec jest -c tests/harness/jest.local.config.js
// The root config should use the same transform, globalSetup and globalTeardown.
const path = require("node:path");

/** @type {import('jest').Config} */
module.exports = {
  rootDir: path.resolve(__dirname, ".."),
  testEnvironment: "node",
  testMatch: ["<rootDir>/infra/**/*.int.spec.ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2023" }, module: { type: "commonjs" } },
    ],
  },
  globalSetup: "<rootDir>/harness/global-setup.ts",
  globalTeardown: "<rootDir>/harness/global-teardown.ts",
  maxWorkers: 2,
};
