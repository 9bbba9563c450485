/** Small real UDP peers for the relay tests (loopback, port 0): the NAT, the firewall and the relay itself. */
import dgram from "node:dgram";

export interface Peer {
  port: number;
  socket: dgram.Socket;
  received: { text: string; from: string }[];
  send(text: string, port: number): Promise<void>;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1:0; with `echo`, replies "eco:<text> de <sender>". */
export async function peer(echo = false): Promise<Peer> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const received: Peer["received"] = [];
  socket.on("message", (m, r) => {
    const from = `${r.address}:${r.port}`;
    received.push({ text: m.toString(), from });
    if (echo) socket.send(`eco:${m} de ${from}`, r.port, r.address);
  });
  let closed = false;
  return {
    port: socket.address().port,
    socket,
    received,
    send: (text, port) => new Promise((res, rej) => socket.send(text, port, "127.0.0.1", (e) => (e ? rej(e) : res()))),
    close: () => (closed ? Promise.resolve() : ((closed = true), new Promise<void>((r) => socket.close(() => r())))),
  };
}
