/**
 * Lecture 04 (sockets TCP): the demos of notebooks/04-sockets-tcp.ipynb — a writeUTF frame drawn byte by byte,
 * and the concurrency experiment (event loop vs thread per connection).
 */
export { measureConcurrency } from "./concurrency";
export type { ConcurrencyRow, ConcurrencyOptions } from "./concurrency";
export { showUTF, utfFrameHtml } from "./frame-view";
export { tcpJava, startJavaTcpServer, TCP_JAVA_DIR } from "./java";
