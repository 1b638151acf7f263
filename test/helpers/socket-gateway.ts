import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { MASTER_KEY } from "./gateway.js";
import type { SocketGatewaySetup } from "./socket-gateway-process.js";

export type { SocketGatewaySetup };

export interface SocketGateway {
  url: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** True while the process runs. */
  alive(): boolean;
  /** Open file descriptors of the gateway process (/proc/<pid>/fd). */
  fds(): number;
  /**
   * Established TCP connections the gateway holds to `port` (an upstream): undici keeps them pooled, so they are
   * bounded by the peak number of concurrent upstream requests, not a per-connection leak.
   */
  socketsTo(port: number): number;
  /** What each open descriptor points at (for a failure message). */
  fdTargets(): string[];
  /** Waits (up to `timeoutMs`) until the descriptor count is at most `limit`; returns the last count. */
  fdsSettle(limit: number, timeoutMs?: number): Promise<number>;
  /** A normal chat completion (fresh connection); status and body. */
  chat(model?: string): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL("./socket-gateway-process.ts", import.meta.url));
export const AUTH = { authorization: `Bearer ${MASTER_KEY}`, "content-type": "application/json" };

/** Spawns test/helpers/socket-gateway-process.ts and waits until it listens. */
export async function spawnSocketGateway(setup: SocketGatewaySetup = {}): Promise<SocketGateway> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, SWITCHBOARD_SOCKET_GATEWAY: JSON.stringify(setup) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString("utf8");
      const line = buffer.split("\n")[0];
      if (buffer.includes("\n") && line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((code) => reject(new Error(`gateway process exited with ${code}`)));
  });
  const pid = child.pid as number;
  const fds = () => readdirSync(`/proc/${pid}/fd`).length;
  return {
    url,
    port: Number(new URL(url).port),
    child,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    fds,
    socketsTo: (port: number) => {
      const inodes = new Set(
        readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
          try {
            const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
            return match?.[1] !== undefined ? [match[1]] : [];
          } catch {
            return [];
          }
        }),
      );
      const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
      return readFileSync("/proc/net/tcp", "utf8")
        .split("\n")
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[2]?.endsWith(`:${hexPort}`) && cols[3] === "01" && inodes.has(cols[9] ?? ""))
        .length;
    },
    fdTargets: () =>
      readdirSync(`/proc/${pid}/fd`).map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return "gone";
        }
      }),
    async fdsSettle(limit: number, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let count = fds();
      while (count > limit && Date.now() < deadline) {
        await delay(50);
        count = fds();
      }
      return count;
    },
    async chat(model = "mock-gpt") {
      const response = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { ...AUTH, connection: "close" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
      });
      return { status: response.status, text: await response.text() };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A raw TCP connection to the gateway, with errors swallowed (the tests provoke them). */
export async function rawConnect(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: "127.0.0.1", port });
  socket.on("error", () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return socket;
}

/** Resolves when the peer closed the socket (or `timeoutMs` passed), with what it sent and whether it closed. */
export function readUntilClose(
  socket: net.Socket,
  timeoutMs: number,
): Promise<{ closed: boolean; text: string }> {
  return new Promise((resolve) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
    });
    const timer = setTimeout(() => resolve({ closed: false, text }), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve({ closed: true, text });
    });
  });
}

/** One HTTP/2 frame: 9-byte header (length, type, flags, stream id) and payload. */
export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)) {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

export const H2_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** HPACK: a literal header field without indexing, new name, no Huffman (names and values < 127 bytes). */
export function hpackLiteral(name: string, value: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x00, name.length]),
    Buffer.from(name, "latin1"),
    Buffer.from([value.length]),
    Buffer.from(value, "latin1"),
  ]);
}

/** A self-signed certificate for 127.0.0.1 (openssl), or undefined when openssl is missing. */
export function selfSigned(): { certFile: string; keyFile: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "sb-socket-tls-"));
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        keyFile,
        "-out",
        certFile,
        "-days",
        "1",
      ].concat(["-subj", "/CN=127.0.0.1"]),
      { stdio: "ignore" },
    );
    return { certFile, keyFile };
  } catch {
    return undefined;
  }
}
