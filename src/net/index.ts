/**
 * Public face of src/net: UDP and TCP sockets as in the lecture's Java programs,
 * Java's writeUTF/readUTF framing, a socket event trace and the UDP relay with a hook (lossy, NAT, firewall).
 */
export { udpServer, udpSocket, udpRequest, JAVA_BUFFER_SIZE, MAX_DATAGRAM } from "./udp";
export type { Datagram, UdpReply, UdpServer, UdpServerOptions, UdpSocket, UdpSocketOptions, UdpRequestOptions } from "./udp";
export { tcpServer, tcpConnect, tcpRequest } from "./tcp";
export type { TcpServer, TcpServerOptions, TcpConnection, TcpConnectOptions, TcpRequestOptions, TcpWaitOptions } from "./tcp";
export {
  writeUTF,
  readUTF,
  encodeModifiedUtf8,
  decodeModifiedUtf8,
  modifiedUtf8Length,
  UtfFrameDecoder,
  MAX_UTF_BYTES,
} from "./java-utf";
export { Trace } from "./trace";
export type { TraceEvent, TraceOp } from "./trace";
export { openUdpRelay } from "./udp-relay";
export type { UdpRelay, RelayOptions, RelayTarget, RelayDecision, RelayInspect, RelayPeer, RelayFlow } from "./udp-relay";
export { lossyRelay, lossyPolicy } from "./lossy-relay";
export type { LossyRelay, LossyRelayOptions, LossyPolicy, LossyPolicyOptions, RelayLogEntry } from "./lossy-relay";
export { freePort } from "./free-port";
