// Runs the chaos driver (TypeScript) as jest does: each .ts file compiled by swc on require, and
// workspace packages resolved to their sources (node --conditions=jinlian-source). The nodes the
// driver starts are the compiled ones (packages/node/dist).
const { readFileSync } = require("node:fs");
const Module = require("node:module");
const { transformSync } = require("@swc/core");

Module._extensions[".ts"] = function compile(module, filename) {
  const { code } = transformSync(readFileSync(filename, "utf8"), {
    filename,
    sourceMaps: "inline",
    jsc: { parser: { syntax: "typescript" }, target: "es2023" },
    module: { type: "commonjs" },
  });
  module._compile(code, filename);
};

require("./main.ts");
