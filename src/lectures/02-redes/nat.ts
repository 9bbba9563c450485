/**
 * NAT on the one UDP relay (src/net/udp-relay.ts, no hook: its per-client
 * flows are the translation table): clients "inside" send to the relay; for
 * each client address the relay picks a new "outside" port and forwards from
 * it, so the server only ever sees the relay's address and ports. Replies to
 * an outside port are translated back to the client that owns it. The
 * translation table can be printed at any moment.
 *
 * @example
 * ```ts
 * import { table } from "cdlab";
 * import { udpServer } from "cdlab/net";
 * import { startNat } from "cdlab/lectures/02-redes";
 * const server = await udpServer({ port: 0 });
 * const nat = await startNat({ target: server.port });
 * // clients send to nat.port …
 * table(nat.table());
 * await nat.close();
 * ```
 */
import { display, table as showTable } from "../../runtime/display";
import { makeHandle, type Handle } from "../../runtime/handle";
import { replaceNamed } from "../../runtime/registry";
import { openUdpRelay, type RelayTarget } from "../../net/udp-relay";

/** Options of {@link startNat}. */
export interface NatOptions {
  /** The server "on the Internet" (a port on 127.0.0.1, or { host, port } on loopback). */
  target: RelayTarget | number;
  /** Inside port clients send to. @default 0 (any free port) */
  port?: number;
  /** Registry name: a new NAT with the same name replaces the old one. */
  name?: string;
}

/** One row of the translation table. */
export interface NatEntry {
  /** The client's own address (private side). */
  inside: string;
  /** The address the server sees (public side). */
  outside: string;
  /** Who it talks to. */
  remote: string;
  packetsOut: number;
  packetsIn: number;
  /** Seconds since the last datagram. */
  idleSeconds: number;
}

/** A running NAT relay. */
export interface Nat extends Handle {
  /** Inside port (clients send here). */
  port: number;
  /** The translation table now. */
  table(): NatEntry[];
  /** Show the translation table in the notebook. */
  showTable(): void;
}

/**
 * Start a NAT relay on 127.0.0.1.
 *
 * @param options target server, inside port, name
 * @returns the NAT handle
 * @throws CdlabError `ERR_INVALID_ARG`/`ERR_INVALID_PORT` for a bad target, `EADDRINUSE` for a taken port
 * @example
 * ```ts
 * const nat = await startNat({ target: 7000, name: "nat" });
 * ```
 */
export async function startNat(options: NatOptions): Promise<Nat> {
  await replaceNamed(options?.name);
  const relay = await openUdpRelay({ target: options?.target, port: options.port });
  const table = (): NatEntry[] =>
    relay.flows().map((f) => ({
      inside: `${f.client.address}:${f.client.port}`,
      outside: `127.0.0.1:${f.outsidePort}`,
      remote: `${f.target.address}:${f.target.port}`,
      packetsOut: f.packetsOut,
      packetsIn: f.packetsIn,
      idleSeconds: Math.round((Date.now() - f.lastSeen) / 100) / 10,
    }));
  return makeHandle(
    {
      port: relay.port,
      table,
      showTable() {
        const rows = table();
        if (rows.length === 0) display.text("(tabela NAT vazia)");
        else showTable(rows.map((r) => ({
          "dentro (cliente)": r.inside,
          "fora (o que o servidor vê)": r.outside,
          destino: r.remote,
          "pacotes de saída": r.packetsOut,
          "pacotes de volta": r.packetsIn,
          "ocioso (s)": r.idleSeconds.toLocaleString("pt-BR"),
        })));
      },
    },
    {
      kind: "relay",
      name: options.name,
      label: `NAT 127.0.0.1:${relay.port} → ${relay.target.address}:${relay.target.port}`,
      release: () => relay.close(),
    },
  );
}
