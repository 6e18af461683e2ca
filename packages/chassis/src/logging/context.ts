import { AsyncLocalStorage } from "node:async_hooks";

/** Who is calling: filled by the authentication seam of the gRPC server. */
export interface Principal {
  readonly subject: string;
  /** Jurisdiction the principal acts for, when known. */
  readonly jurisdictionCode?: string;
  readonly roles: readonly string[];
  /** Credit code of the organisation the principal acts for, when known. */
  readonly organisation?: string;
  /** The workload certificate the call came over (mutual TLS), e.g. spiffe://jinlian/mediation. */
  readonly via?: string;
}

/** Per-request values that logs and audit records carry. */
export interface RequestContext {
  readonly requestId: string;
  readonly method?: string;
  readonly principal?: Principal;
  /** The caller's deadline: work for the call past it is abandoned (see ServiceKit.change). */
  readonly deadline?: Date;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithRequestContext<T>(ctx: RequestContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
