# Sourced by the bench's stand-alone scripts (consume-layers.sh, commit-announce.sh,
# legal-services.sh): from the repository's root, the pinned toolchain, the dependencies, the
# generated contracts if missing, and the workspace compiled (what `pnpm build` does). Each script
# compiles its own bench project after.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/prepare.sh"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
# shellcheck source=scripts/toolchain.sh
source scripts/toolchain.sh

[ -d node_modules/.pnpm ] || pnpm install --frozen-lockfile
[ -f proto/gen/jinlian.binpb ] || pnpm gen
echo "bench/$(basename "$0"): compiling the workspace and the bench" >&2
pnpm exec tsc -b tsconfig.build.json
