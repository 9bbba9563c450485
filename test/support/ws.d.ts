/**
 * The `ws` package ships no types and `@types/ws` is not a devDependency: only what test/support/jupyter.ts uses,
 * the client class it hands to @jupyterlab/services in place of the browser's WebSocket.
 */
declare module "ws" {
  /** ws's WebSocket client. */
  const WebSocket: new (address: string | URL, protocols?: string | string[]) => object;
  export = WebSocket;
}
