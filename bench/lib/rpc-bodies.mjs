// The Chat service request that the RPC scenario and the profiler send: the same prompt as chatBody(), as Connect
// JSON (HTTP/1.1, wrk) and as a gRPC length-prefixed binary message (h2c, h2load).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO_DIR = fileURLToPath(new URL("../../", import.meta.url));
const GENERATED = join(REPO_DIR, "dist", "gen", "switchboard", "v1", "chat_service_pb.js");
export const COMPLETE_PATH = "/switchboard.v1.ChatService/Complete";
const PROMPT_SYSTEM = "You are a concise assistant.";
const PROMPT_USER = "Invent a holiday for stargazers and describe it in three sentences.";

/** The request as a protobuf-es init object (for connect-node clients). */
export function chatRequestInit(model) {
  return {
    model,
    messages: [
      { role: 1, content: [{ part: { case: "text", value: PROMPT_SYSTEM } }] },
      { role: 3, content: [{ part: { case: "text", value: PROMPT_USER } }] },
    ],
    maxTokens: 256,
    temperature: 0.2,
  };
}

/** The same request as chatBody(), in the Connect JSON mapping of CompleteRequest. */
export function connectJsonBody(model) {
  return JSON.stringify({
    request: {
      model,
      messages: [
        { role: "ROLE_SYSTEM", content: [{ text: PROMPT_SYSTEM }] },
        { role: "ROLE_USER", content: [{ text: PROMPT_USER }] },
      ],
      maxTokens: 256,
      temperature: 0.2,
    },
  });
}

/** A gRPC length-prefixed message (flag byte 0, big-endian length). */
export function grpcFrame(bytes) {
  const frame = Buffer.alloc(5 + bytes.length);
  frame.writeUInt32BE(bytes.length, 1);
  Buffer.from(bytes).copy(frame, 5);
  return frame;
}

/** The generated service and the protobuf/connect runtimes, or `{ pending }` before dist/ is built. */
export async function loadRpc() {
  if (!existsSync(GENERATED)) return { pending: "dist/gen/switchboard/v1/chat_service_pb.js not built" };
  const generated = await import(pathToFileURL(GENERATED).href);
  const protobuf = await import("@bufbuild/protobuf");
  const connect = await import("@connectrpc/connect");
  const connectNode = await import("@connectrpc/connect-node");
  return { generated, protobuf, connect, connectNode };
}

/** The gRPC Complete request body (one frame) for `model`. */
export function grpcCompleteBody(rpc, model) {
  const { generated, protobuf } = rpc;
  return grpcFrame(
    protobuf.toBinary(
      generated.CompleteRequestSchema,
      protobuf.create(generated.CompleteRequestSchema, { request: chatRequestInit(model) }),
    ),
  );
}
