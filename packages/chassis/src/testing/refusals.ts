import { FailedPreconditionError, InvalidArgumentError } from "../common/errors";

/** The fields an INVALID_ARGUMENT refusal names, or [] when `fn` is not refused; other errors propagate. */
export function violatedFields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidArgumentError) return e.violations.map((v) => v.field);
    throw e;
  }
  return [];
}

/** The type of a FAILED_PRECONDITION refusal's first violation, or undefined when `fn` is not refused. */
export function preconditionType(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof FailedPreconditionError) return e.violations[0]!.type;
    throw e;
  }
  return undefined;
}
