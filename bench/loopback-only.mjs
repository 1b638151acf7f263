// Preload (`node --import ./bench/loopback-only.mjs ...`) that keeps a gateway under test on the loopback interface.
// Portkey 1.15.2 has no host option and calls `server.listen(port, undefined, callback)`, which listens on all
// interfaces; the benchmark must bind only 127.0.0.1, so every TCP listen is forced onto it (the host a program
// asked for, if any, is replaced and reported on stderr).
import { Server } from "node:net";

const LOOPBACK = "127.0.0.1";
const originalListen = Server.prototype.listen;

function note(host) {
  if (host !== undefined && host !== null && host !== LOOPBACK) {
    process.stderr.write(`loopback-only: listen on ${String(host)} replaced by ${LOOPBACK}\n`);
  }
}

Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    const hostGiven = typeof second === "string" || second === undefined || second === null;
    if (hostGiven) note(second);
    const rest = hostGiven ? args.slice(2) : args.slice(1);
    return originalListen.call(this, Number(first), LOOPBACK, ...rest);
  }
  if (
    typeof first === "object" &&
    first !== null &&
    !("path" in first) &&
    !("fd" in first) &&
    !("_handle" in first)
  ) {
    note(first.host);
    return originalListen.call(this, { ...first, host: LOOPBACK }, ...args.slice(1));
  }
  return originalListen.apply(this, args);
};
