/**
 * Lecture 06 (pipes e FIFOs). Notebook 06 makes the pipe calls in its own cells and uses from here only
 * `waitUntilSleeping` (wait until a child sleeps in the kernel) and `fifoBetweenUnrelated` (a FIFO between
 * unrelated processes). The one-call demonstrations of the pipe's semantics (`pipeToChild`, `twoWayPipes`,
 * `demo*`) run the same steps in one function each, for tests and scripts.
 */
export { pipeToChild, twoWayPipes, openEnds, waitUntilSleeping } from "./pipe-demos";
export { demoReadBlocks, demoEof, demoEpipe, demoFullPipe, demoByteStream } from "./pipe-semantics";
export { fifoBetweenUnrelated } from "./fifo-demos";
