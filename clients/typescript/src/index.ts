import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import { ChatService } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { EmbeddingsService } from "../../../gen/switchboard/v1/embeddings_service_pb.js";
import { KeysService } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { UsageService } from "../../../gen/switchboard/v1/usage_service_pb.js";

export * from "../../../gen/switchboard/v1/chat_service_pb.js";
export * from "../../../gen/switchboard/v1/embeddings_service_pb.js";
export * from "../../../gen/switchboard/v1/error_detail_pb.js";
export * from "../../../gen/switchboard/v1/keys_service_pb.js";
export * from "../../../gen/switchboard/v1/usage_service_pb.js";

/**
 * An Embed response's vector as floats: `Embedding.values` holds packed little-endian float32s (4 bytes a value).
 * Copies into an aligned Float32Array (the bytes may sit at any offset of the received message).
 */
export function embeddingValues(embedding: { values: Uint8Array }): Float32Array {
  const bytes = embedding.values;
  if (bytes.byteLength % 4 !== 0) throw new Error("Embedding.values is not a whole number of float32s.");
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let index = 0; index < out.length; index++) out[index] = view.getFloat32(index * 4, true);
  return out;
}

export type SwitchboardProtocol = "connect" | "grpc" | "grpc-web";

export interface SwitchboardClientOptions {
  /** e.g. http://127.0.0.1:4000 */
  baseUrl: string;
  /** The master key or a virtual key; sent as `Authorization: Bearer …` on every call. */
  apiKey: string;
  /** Default "connect". gRPC uses HTTP/2 (cleartext with prior knowledge for http:// URLs). */
  protocol?: SwitchboardProtocol;
  /** Connect and gRPC-Web can use HTTP/1.1; gRPC always uses HTTP/2. Default "2". */
  httpVersion?: "1.1" | "2";
  /** Binary protobuf (default) or JSON on the wire (Connect and gRPC-Web only). */
  useBinaryFormat?: boolean;
  interceptors?: Interceptor[];
}

export interface SwitchboardClient {
  chat: Client<typeof ChatService>;
  /** Virtual keys and teams (admins and team admins). */
  keys: Client<typeof KeysService>;
  /** The usage ledger: records, summaries and a live feed. */
  usage: Client<typeof UsageService>;
  /** `embed()`: vectors as packed floats (EmbeddingsService). */
  embeddings: Client<typeof EmbeddingsService>;
  transport: Transport;
}

/** Sets the bearer token on every request, so that no call site handles the key. */
export function bearerAuth(apiKey: string): Interceptor {
  return (next) => (request) => {
    request.header.set("authorization", `Bearer ${apiKey}`);
    return next(request);
  };
}

export function createSwitchboardTransport(options: SwitchboardClientOptions): Transport {
  const interceptors = [bearerAuth(options.apiKey), ...(options.interceptors ?? [])];
  const protocol = options.protocol ?? "connect";
  const useBinaryFormat = options.useBinaryFormat ?? true;
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl: options.baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({
        baseUrl: options.baseUrl,
        httpVersion: options.httpVersion ?? "2",
        interceptors,
        useBinaryFormat,
      });
    case "connect":
      return createConnectTransport({
        baseUrl: options.baseUrl,
        httpVersion: options.httpVersion ?? "2",
        interceptors,
        useBinaryFormat,
      });
  }
}

/** A typed client for the gateway's services over Connect, gRPC or gRPC-Web. */
export function createSwitchboardClient(options: SwitchboardClientOptions): SwitchboardClient {
  const transport = createSwitchboardTransport(options);
  return {
    chat: createClient(ChatService, transport),
    keys: createClient(KeysService, transport),
    usage: createClient(UsageService, transport),
    embeddings: createClient(EmbeddingsService, transport),
    transport,
  };
}
