#!/usr/bin/env node
// The built CLI (pnpm build); exits with the command's status.
require("../dist/cli.js")
  .main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((err) => {
    console.error(`jinlian-ops: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  });
