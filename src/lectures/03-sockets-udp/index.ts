/**
 * Lecture 03 (sockets UDP): the lecture's Java programs for notebooks/03-sockets-udp.ipynb. The sockets
 * themselves are the mechanism in src/net (`cdlab/net`: udpServer, udpRequest, udpSocket, Trace, lossyRelay).
 */
export { udpJava, startJavaUdpServer, UDP_JAVA_DIR } from "./java";
