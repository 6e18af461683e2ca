// One lint setup for the workspace: typescript-eslint's recommended rules; formatting is prettier's.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "proto/gen/**", ".run/**", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-unsafe-function-type": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // A focused or disabled test silently shrinks the suite: neither may be committed. A test that
    // needs a tool the machine lacks uses tests/support/requirements.ts (skips locally, fails in CI).
    files: ["**/*.spec.ts", "tests/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        ...["describe", "it", "test"].flatMap((object) =>
          ["only", "skip", "todo"].map((property) => ({
            object,
            property,
            message: `${object}.${property} is not allowed in committed tests`,
          })),
        ),
      ],
      "no-restricted-globals": [
        "error",
        ...["fdescribe", "fit", "xdescribe", "xit", "xtest"].map((name) => ({
          name,
          message: `${name} is not allowed in committed tests`,
        })),
      ],
    },
  },
);
