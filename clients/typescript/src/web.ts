import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { ChatService } from "../../../gen/switchboard/v1/chat_service_pb.js";
import { KeysService } from "../../../gen/switchboard/v1/keys_service_pb.js";
import { UsageService } from "../../../gen/switchboard/v1/usage_service_pb.js";

export * from "../../../gen/switchboard/v1/chat_service_pb.js";
export * from "../../../gen/switchboard/v1/keys_service_pb.js";
export * from "../../../gen/switchboard/v1/usage_service_pb.js";

/**
 * The browser's typed client (the admin console): the same generated services as index.ts, over Connect-Web
 * (fetch). Kept apart from index.ts, which imports Node's transports and would not bundle for a browser.
 */
export interface SwitchboardWebClientOptions {
  /** The gateway's origin; the console passes its own (`window.location.origin`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` on every call, never in a URL. */
  apiKey: string;
  /** Binary protobuf instead of JSON on the wire. Default false (JSON, readable in the browser's devtools). */
  useBinaryFormat?: boolean;
  interceptors?: Interceptor[];
}

export interface SwitchboardWebClient {
  chat: Client<typeof ChatService>;
  keys: Client<typeof KeysService>;
  usage: Client<typeof UsageService>;
  transport: Transport;
}

export function createSwitchboardWebClient(options: SwitchboardWebClientOptions): SwitchboardWebClient {
  const bearer: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${options.apiKey}`);
    return next(request);
  };
  const transport = createConnectTransport({
    baseUrl: options.baseUrl,
    useBinaryFormat: options.useBinaryFormat ?? false,
    interceptors: [bearer, ...(options.interceptors ?? [])],
  });
  return {
    chat: createClient(ChatService, transport),
    keys: createClient(KeysService, transport),
    usage: createClient(UsageService, transport),
    transport,
  };
}
