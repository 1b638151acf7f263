import type { ChatContext } from "../core/chat/dispatcher.js";
import type { Metering, MeterOutcome, MeterReceipt, MeterTicket } from "../core/chat/metering.js";
import type { ChatRequest, Usage } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import type { RoutingInfo } from "../core/types/routing.js";
import { toOpenAIUsage } from "../rest/to-openai.js";
import { costOf } from "../usage/cost.js";
import type { PriceTable } from "../usage/price-table.js";
import type { CompletionUsage, UsageCallback } from "./types.js";

/**
 * The library's metering: no budgets, no limits, no ledger — only the price of each call (so that every response
 * and the last stream chunk carry `usage.cost`, through the core's own metering protocol) and the `onUsage`
 * callbacks. Per-call callbacks are looked up by request id.
 */
export class CostMetering implements Metering {
  readonly callbacks = new Map<string, UsageCallback>();

  constructor(
    private readonly deployments: ReadonlyMap<string, Deployment>,
    private readonly prices: PriceTable,
    private readonly onUsage: UsageCallback | undefined,
  ) {}

  async admit(request: ChatRequest, context: ChatContext): Promise<MeterTicket> {
    const price = (usage: Usage, routing: RoutingInfo | undefined) => {
      const deployment = routing === undefined ? undefined : this.deployments.get(routing.deployment);
      return costOf(usage, deployment === undefined ? undefined : this.prices.forDeployment(deployment));
    };
    let receipt: MeterReceipt | undefined;
    const perCall = this.callbacks.get(context.requestId);
    return {
      admission: {},
      price,
      settle: async (outcome: MeterOutcome) => {
        if (receipt !== undefined) return receipt;
        this.callbacks.delete(context.requestId);
        const { usage, routing } = outcome;
        const cost = usage === undefined ? { costUsd: undefined, priced: false } : price(usage, routing);
        receipt = { costUsd: cost.costUsd, priced: cost.priced, usageEstimated: false, usage };
        if (usage !== undefined && routing !== undefined) {
          const report = {
            model: request.model,
            provider: routing.provider,
            upstreamModel: routing.model,
            deployment: routing.deployment,
            usage: {
              ...(toOpenAIUsage(usage) as unknown as CompletionUsage),
              ...(cost.costUsd !== undefined ? { cost: cost.costUsd } : {}),
            },
            cost: cost.costUsd,
            stream: outcome.stream,
          };
          for (const callback of [this.onUsage, perCall]) {
            try {
              callback?.(report);
            } catch {
              // A throwing callback is the caller's bug; it must not turn a served call into a failure.
            }
          }
        }
        return receipt;
      },
    };
  }
}
