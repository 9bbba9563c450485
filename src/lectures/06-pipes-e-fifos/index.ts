/**
 * Lecture 06 (pipes e FIFOs): the demos of notebooks/06-pipes-e-fifos.ipynb — the lecture's pipe programs,
 * the semantics of a pipe seen happen, a FIFO between unrelated processes.
 */
export { pipeToChild, twoWayPipes, openEnds, waitUntilSleeping } from "./pipe-demos";
export { demoReadBlocks, demoEof, demoEpipe, demoFullPipe, demoByteStream } from "./pipe-semantics";
export { fifoBetweenUnrelated } from "./fifo-demos";
