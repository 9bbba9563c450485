import type { CdlabError } from "../../src/runtime/errors";
import type { Trace, TraceOp } from "../../src/net/trace";

/** The error `p` rejects with; fails the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<CdlabError> {
  try {
    await p;
  } catch (e) {
    return e as CdlabError;
  }
  throw new Error("expected a rejection");
}

/** The calls `trace` recorded for one lifeline (`cliente#1`, `servidor#1`…), in order. */
export function callsOf(trace: Trace, lifeline: string): TraceOp[] {
  return trace.events.filter((e) => e.socket === lifeline).map((e) => e.op);
}
