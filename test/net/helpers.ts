import type { CdlabError } from "../../src/runtime/errors";

/** The error `p` rejects with; fails the test when it resolves. */
export async function failure(p: Promise<unknown>): Promise<CdlabError> {
  try {
    await p;
  } catch (e) {
    return e as CdlabError;
  }
  throw new Error("expected a rejection");
}
