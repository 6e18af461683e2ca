/**
 * Conflicts of interest of a mediator with a case's parties. Pure. What legal-services knows
 * (its compacted providers stream) shows who a lawyer acts for or advises; the mediator's own
 * declaration adds the rest. A conflicted mediator is not put on the case (人民调解法 art. 19-20:
 * the parties choose or accept mediators; a mediator who acts for a party cannot be impartial).
 */

/** A provider as legal-services' providers stream carries it, as much as mediation needs. */
export interface LegalProviderFact {
  providerId: string;
  kind: string;
  lawyerKind: string;
  licenceNumber: string;
  name: string;
  status: string;
  /** The organisation itself (firm, commission), by credit code. */
  creditCode: string;
  firmCreditCode: string;
  employerCreditCode: string;
  commissionCreditCode: string;
  rosterNumber: string;
  clientCreditCodes: string[];
  /** Chambers it is legal adviser to now (appointments not ended). */
  adviserChamberCreditCodes: string[];
}

export type ConflictReason = "DECLARED_INTEREST" | "ACTS_FOR_PARTY" | "ADVISES_PARTY" | "EMPLOYED_BY_PARTY";

export interface Conflict {
  reason: ConflictReason;
  partyCreditCode: string;
  explanation: string;
}

/**
 * The conflicts of a mediator with the parties (organisations by credit code): its declared
 * interests; and, when it is a lawyer known to legal-services (by licence number), the clients it
 * or its firm acts for, the chambers it or its firm advises, its firm or employer.
 */
export function conflictsOf(
  mediator: { name: string; licenceNumber: string; declaredInterests: readonly string[] },
  partyCreditCodes: readonly string[],
  lawyer: LegalProviderFact | undefined,
  firm: LegalProviderFact | undefined,
): Conflict[] {
  const out: Conflict[] = [];
  for (const code of new Set(partyCreditCodes)) {
    if (mediator.declaredInterests.includes(code)) {
      out.push({ reason: "DECLARED_INTEREST", partyCreditCode: code, explanation: `${mediator.name} declared an interest in ${code}` });
      continue;
    }
    const who = [lawyer, firm].filter((p): p is LegalProviderFact => p !== undefined);
    const actsFor = who.find((p) => p.clientCreditCodes.includes(code));
    if (actsFor) {
      out.push({
        reason: "ACTS_FOR_PARTY",
        partyCreditCode: code,
        explanation: `${actsFor === lawyer ? `${mediator.name} (licence ${mediator.licenceNumber})` : `the firm of ${mediator.name}`} acts for ${code} in an open matter (legal-services)`,
      });
      continue;
    }
    const advises = who.find((p) => p.adviserChamberCreditCodes.includes(code));
    if (advises) {
      out.push({
        reason: "ADVISES_PARTY",
        partyCreditCode: code,
        explanation: `${advises === lawyer ? mediator.name : `the firm of ${mediator.name}`} is legal adviser (法律顾问) to ${code} (legal-services)`,
      });
      continue;
    }
    if (lawyer && (lawyer.employerCreditCode === code || lawyer.firmCreditCode === code))
      out.push({
        reason: "EMPLOYED_BY_PARTY",
        partyCreditCode: code,
        explanation: `${mediator.name} works for ${code} (${lawyer.employerCreditCode === code ? "employer" : "law firm"}, legal-services)`,
      });
  }
  return out;
}
