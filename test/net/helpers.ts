import { expect } from "chai";
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

/**
 * Check that `start` (binding a port that another socket holds) rejects with EADDRINUSE in one line that begins
 * `<what failed>: endereço já em uso`.
 */
export async function expectAddressInUse(start: Promise<unknown>, whatFailed: string): Promise<void> {
  const err = await failure(start);
  expect(err.code).to.equal("EADDRINUSE");
  expect(err.message).to.not.include("\n");
  const begins = `${whatFailed}: endereço já em uso`;
  expect(err.message.slice(0, begins.length)).to.equal(begins);
}
