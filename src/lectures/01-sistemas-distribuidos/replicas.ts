/**
 * Local replicas synchronized with a server, as in the lecture's "serviços compartilhados online"
 * (Waze, WhatsApp): each user keeps a local copy of the data and changes it even offline; when
 * online, a replica sends its pending changes to the server and receives every change it has not
 * seen yet. The server orders all changes in one log (version 1, 2, 3…); every replica applies
 * the log in that order, so after syncing they all agree — when two users wrote the same key, the
 * change that reached the server last wins.
 *
 * The protocol is one JSON line each way over TCP on 127.0.0.1:
 * `{"since":N,"changes":[{"key","value"}]}` → `{"entries":[{"version","key","value","by"}]}`.
 *
 * @example
 * ```ts
 * import { startSyncServer, openReplica } from "cdlab/lectures/01-sistemas-distribuidos";
 * const server = await startSyncServer({ name: "sync" });
 * const alice = openReplica({ port: server.port, name: "alice" });
 * alice.set("BR-101", "lento");           // local only, pending
 * await alice.sync();                      // sent to the server
 * await server.close();
 * ```
 */
import net from "node:net";
import { CdlabError, invalidArg, systemError } from "../../runtime/errors";
import { makeHandle, type Handle } from "../../runtime/handle";
import { replaceNamed } from "../../runtime/registry";
import { abortable, throwIfAborted } from "../../runtime/abort";

/** One change in the server's log. */
export interface LogEntry {
  version: number;
  key: string;
  value: string;
  /** The replica that wrote it. */
  by: string;
}

/** A running sync server. */
export interface SyncServer extends Handle {
  port: number;
  /** A copy of the log, in server order. */
  log(): LogEntry[];
}

/**
 * Start the server: it keeps the ordered log of every change.
 *
 * @param options.name registry name (a new server with the same name closes the old one)
 * @returns the server handle
 * @example
 * ```ts
 * const server = await startSyncServer();
 * server.log(); // []
 * ```
 */
export async function startSyncServer(options: { name?: string } = {}): Promise<SyncServer> {
  await replaceNamed(options.name);
  const log: LogEntry[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.setEncoding("utf8");
    let buf = "";
    socket.on("data", (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl < 0) return;
      try {
        const req = JSON.parse(buf.slice(0, nl)) as { since: number; by: string; changes: { key: string; value: string }[] };
        for (const c of req.changes) log.push({ version: log.length + 1, key: String(c.key), value: String(c.value), by: String(req.by) });
        socket.end(JSON.stringify({ entries: log.filter((e) => e.version > req.since) }) + "\n");
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(systemError("Não foi possível iniciar o servidor de sincronização em 127.0.0.1", e)));
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return makeHandle(
    { port, log: () => log.map((e) => ({ ...e })) },
    {
      kind: "tcp-server",
      name: options.name,
      label: `servidor de sincronização 127.0.0.1:${port}`,
      release: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      },
    },
  );
}

/** A local replica (no connection is open between syncs). */
export interface Replica {
  readonly name: string;
  /** Change a key locally; it is pending until the next sync. */
  set(key: string, value: string): void;
  get(key: string): string | undefined;
  /** The local copy, sorted by key. */
  entries(): [string, string][];
  /** Changes not yet sent. */
  pending(): { key: string; value: string }[];
  /** Last server version this replica has applied. */
  readonly version: number;
  /**
   * Go online once: connect, send the pending changes, apply every server entry newer than
   * `version` in server order, disconnect.
   * @returns how many changes were sent, and how many log entries came back (its own included)
   */
  sync(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<{ sent: number; received: number }>;
}

/**
 * A replica of the data on the sync server at `port`.
 *
 * @param options.port the server's port on 127.0.0.1
 * @param options.name who writes (shown in the server's log)
 * @returns the replica, empty and at version 0
 * @example
 * ```ts
 * declare const port: number;
 * const bob = openReplica({ port, name: "bob" });
 * bob.set("radar km 42", "ativo");
 * ```
 */
export function openReplica(options: { port: number; name: string }): Replica {
  const { port, name } = options;
  if (!Number.isInteger(port) || port < 1 || port > 65535) invalidArg("port", port, "deve ser a porta de um servidor de sincronização em execução");
  if (typeof name !== "string" || name.length === 0) invalidArg("name", name, "deve ser um texto não vazio");
  const data = new Map<string, string>();
  let pending: { key: string; value: string }[] = [];
  let version = 0;
  return {
    name,
    set(key, value) {
      data.set(key, value);
      pending.push({ key, value });
    },
    get: (key) => data.get(key),
    entries: () => [...data].sort((a, b) => a[0].localeCompare(b[0])),
    pending: () => pending.map((p) => ({ ...p })),
    get version() {
      return version;
    },
    async sync({ signal, timeoutMs = 5000 } = {}) {
      throwIfAborted(signal);
      const sent = pending;
      pending = []; // changes made during the sync wait for the next one
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.setEncoding("utf8");
      const reply = new Promise<{ entries: LogEntry[] }>((resolve, reject) => {
        let buf = "";
        const timer = setTimeout(() => reject(new CdlabError("ETIMEDOUT", `Não foi possível sincronizar a réplica "${name}": sem resposta em ${timeoutMs} ms`)), timeoutMs);
        socket.on("data", (chunk: string) => (buf += chunk));
        socket.on("error", (e) => (clearTimeout(timer), reject(systemError(`Não foi possível sincronizar a réplica "${name}" com 127.0.0.1:${port}`, e))));
        socket.on("end", () => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(buf));
          } catch {
            reject(new CdlabError("ERR_PARSE", `Não foi possível sincronizar a réplica "${name}": a resposta do servidor não é JSON`));
          }
        });
      });
      socket.write(JSON.stringify({ since: version, by: name, changes: sent }) + "\n");
      try {
        const { entries } = await abortable(reply, signal).catch((e) => {
          pending = [...sent, ...pending]; // not sent after all
          throw e;
        });
        for (const e of entries) {
          data.set(e.key, e.value); // server order: the last write to reach the server wins
          version = e.version;
        }
        for (const p of pending) data.set(p.key, p.value); // local changes made during the sync stay on top
        return { sent: sent.length, received: entries.length };
      } finally {
        socket.destroy();
      }
    },
  };
}
