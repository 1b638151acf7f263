/**
 * The in-process mock provider behind the contract suite. It has no upstream, so a plan picks a behaviour by
 * model name (see src/providers/mock/index.ts) instead of a recorded reply, and the suite states in its output
 * which upstream-side checks cannot apply.
 */
import { FIXED_REPLY } from "../../../src/providers/mock/index.js";
import type { ProviderCase } from "../contract-types.js";

const tools = [{ name: "get_weather", parameters: { type: "object", properties: {} } }];
const model = (behaviour: string) => `contract-mock/${behaviour}`;

export const mockCase: ProviderCase = {
  provider: "mock",
  model: "fixed",
  upstream: "local",
  deployment: () => ({ extra: {} }),
  plans: {
    simple: { replies: [], model: model("fixed"), expect: { text: FIXED_REPLY, finish: "stop" } },
    streamed: { replies: [], model: model("fixed"), expect: { text: FIXED_REPLY, finish: "stop" } },
    usage_in_stream: { replies: [], model: model("fixed"), expect: { finish: "stop" } },
    tools_single: {
      replies: [],
      model: model("tool"),
      tools,
      expect: { toolCalls: [{ name: "get_weather", arguments: {} }] },
    },
    tools_no_args: {
      replies: [],
      model: model("tool"),
      tools,
      expect: { toolCalls: [{ name: "get_weather", arguments: {} }] },
    },
    tool_round_trip: {
      // Like a real model, the tool model answers with text once the conversation ends with a tool result.
      replies: [],
      model: model("tool"),
      tools,
      expect: { toolCalls: [{ name: "get_weather", arguments: {} }] },
      followUp: { expect: { finish: "stop" } },
    },
    json_schema: { replies: [], model: model("fixed"), expect: { finish: "stop" } },
    reasoning_round_trip: {
      replies: [],
      model: model("reasoning"),
      expect: {
        text: FIXED_REPLY,
        reasoning: { textIncludes: "short answer", signature: true, sentBack: "text-and-signature" },
      },
      followUp: { expect: { text: FIXED_REPLY, finish: "stop" } },
    },
    error_bad_request: { replies: [], model: model("error-400") },
    error_upstream_auth: { replies: [], model: model("error-401") },
    error_not_found: { replies: [], model: model("error-404") },
    error_rate_limited: { replies: [], model: model("error-429"), expect: { retryAfterSeconds: 1 } },
    error_overloaded: { replies: [], model: model("error-529") },
    error_in_stream: { replies: [], model: model("midstream-error") },
    client_abort: { replies: [], model: model("slow-stream-50") },
  },
};
