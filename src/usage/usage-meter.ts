import type { ModelCatalog } from "../core/catalog/model-catalog.js";
import type { ResolvedRequest } from "../core/catalog/resolved-request.js";
import type { ChatContext } from "../core/chat/dispatcher.js";
import type {
  AdmitOptions,
  BilledUsage,
  Metering,
  MeterOutcome,
  MeterReceipt,
  MeterSnapshot,
  MeterTicket,
} from "../core/chat/metering.js";
import { GatewayError } from "../core/errors/gateway-error.js";
import {
  completionTokensFromBytes,
  estimatePrompt,
  estimateTokens,
  requestText,
} from "../core/estimate/token-estimate.js";
import type { ChatRequest, Usage } from "../core/types/chat.js";
import type { Deployment } from "../core/types/deployment.js";
import type { Attempt, RoutingInfo } from "../core/types/routing.js";
import type { LimitRule } from "../limits/limit-rules.js";
import { limitRulesFor } from "../limits/limit-rules.js";
import type { Demand, Limiter, LimitLease } from "../limits/limiter.js";
import type { Logger } from "../logging/logger.js";
import { parseDurationSeconds } from "../shared/durations.js";
import { costOf } from "./cost.js";
import type { ModelPrice } from "./model-price.js";
import type { PriceTable } from "./price-table.js";
import { UnpricedWarnings } from "./unpriced-warnings.js";
import type { UsageLedger } from "./usage-ledger.js";
import { scrubbedRecord, type UsageRecord } from "./usage-record.js";

export interface UsageMeterOptions {
  prices: PriceTable;
  /** The model catalog the gateway and the router use (pricing looks deployments up by id). */
  catalog: ModelCatalog;
  limiter: Limiter;
  ledger: UsageLedger;
  logger?: Logger | undefined;
  /** Output tokens assumed for a model whose maximum is unknown and a request without max_tokens. */
  defaultMaxOutputTokens?: number;
  /** LiteLLM's proxy-wide budget (litellm_settings.max_budget / budget_duration): every request counts. */
  proxyBudget?: { maxBudget: number; budgetDuration?: string | undefined } | undefined;
}

const NANO = 1e9;
const ZERO_USAGE: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
/** A spend counter on every key (no limit of its own) so that spend headers and /key/info read a counter. */
const TRACKING_LIMIT_USD = 9_000_000;

/**
 * The Metering port's implementation: worst-case pricing and atomic reservation at admission (Limiter), one
 * ledger row per attempt and the actual amounts at settlement. Unpriced models are flagged (cost null) and
 * warned about once per model per interval (bounded: unpriced-warnings.ts), never billed as zero.
 */
export class UsageMeter implements Metering {
  private readonly unpriced: UnpricedWarnings;
  private readonly defaultMaxOutput: number;
  private readonly proxyRule: LimitRule | undefined;

  constructor(private readonly options: UsageMeterOptions) {
    this.defaultMaxOutput = options.defaultMaxOutputTokens ?? 4_096;
    this.proxyRule = proxyBudgetRule(options.proxyBudget);
    this.unpriced = new UnpricedWarnings({ logger: options.logger });
  }

  async admit(request: ChatRequest, context: ChatContext, options?: AdmitOptions): Promise<MeterTicket> {
    const { principal } = context;
    if (options?.cacheHit === true) {
      // A cached answer costs nothing and uses no tokens: it counts against request-rate and parallel limits only.
      const rateRules = limitRulesFor(principal, request.model).filter(
        (rule) => rule.metric === "requests" || rule.metric === "parallel",
      );
      const demand = { requests: 1, tokens: 0, nanoDollars: 0 };
      const lease = await this.options.limiter.reserve(
        rateRules,
        demand,
        `key ${principal.display || principal.keyId}`,
      );
      return new Ticket(this, request, context, lease, snapshotOf(lease, demand));
    }
    const rules = limitRulesFor(principal, request.model);
    if (this.proxyRule !== undefined) rules.push(this.proxyRule);
    if (principal.keyId !== "master" && principal.keyId !== "anonymous") {
      const budget = rules.find(
        (rule) => rule.metric === "dollars" && rule.id.startsWith(`key:${principal.keyId}:`),
      );
      rules.push({
        id: `key:${principal.keyId}:spend:${budget?.window ? (budget.window.kind === "month" ? "month" : budget.window.ms) : "all"}`,
        metric: "dollars",
        limit: TRACKING_LIMIT_USD,
        window: budget?.window,
        name: "key spend",
        subject: { scope: "key", id: principal.keyId },
        tracking: true,
      });
    }
    // No limit, budget or spend counter applies (the master key without a proxy budget): nothing to reserve or
    // release; settlement still writes the ledger row.
    if (rules.length === 0) return new Ticket(this, request, context, NO_LEASE, {});
    const { lease, demand, cappedMaxTokens } = await this.reserveAffordable(
      request,
      context.resolved ?? this.resolve(request),
      rules,
      `key ${principal.display || principal.keyId}`,
    );
    const snapshot = snapshotOf(lease, demand);
    if (cappedMaxTokens !== undefined) snapshot.maxTokensCapped = cappedMaxTokens;
    return new Ticket(this, request, context, lease, snapshot);
  }

  // --- Admission: what a request may cost, and the output cap a budget can pay (issue #15) ---------------------

  /**
   * Reserves the request's worst case. A request that set `max_tokens` reserves what that many tokens can cost,
   * and is refused when that does not fit. A request that set none would reserve the model's whole output limit,
   * which a small budget never fits: when a dollar budget refuses it, the output is capped at what the budget
   * left can pay (`request.maxTokens` is set here, before any upstream call, so the provider cannot produce more
   * than was reserved) and the reservation is tried again — still one atomic reservation, so no overshoot. Refused
   * only when not even MIN_ANSWER_TOKENS fit. Concurrent admissions can shrink what is left between two tries,
   * hence a few rounds.
   */
  private async reserveAffordable(
    request: ChatRequest,
    resolved: ResolvedRequest,
    rules: LimitRule[],
    subject: string,
  ): Promise<{ lease: LimitLease; demand: Demand; cappedMaxTokens: number | undefined }> {
    const mayCap = request.maxTokens === undefined;
    let cappedMaxTokens: number | undefined;
    for (let round = 0; ; round++) {
      const demand = this.worstCase(request, resolved);
      try {
        const lease = await this.options.limiter.reserve(rules, demand, subject);
        return { lease, demand, cappedMaxTokens };
      } catch (error) {
        const limit = error instanceof GatewayError ? error.limit : undefined;
        if (!mayCap || round >= MAX_CAP_ROUNDS || limit?.metric !== "dollars") throw error;
        const affordable = this.affordableOutput(request, resolved, Math.floor(limit.remaining * NANO));
        if (affordable < MIN_ANSWER_TOKENS || affordable === request.maxTokens) throw error;
        request.maxTokens = affordable;
        cappedMaxTokens = affordable;
      }
    }
  }

  /** The largest output (tokens per choice) whose worst case fits `nanoDollars`; 0 when none does. */
  affordableOutput(request: ChatRequest, resolved: ResolvedRequest, nanoDollars: number): number {
    const costAt = (maxTokens: number) =>
      this.worstCase({ ...request, maxTokens }, resolved, false).nanoDollars;
    let low = 0;
    let high = this.worstOutputLimit(request, resolved);
    if (costAt(high) <= nanoDollars) return high;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (middle > 0 && costAt(middle) <= nanoDollars) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private worstOutputLimit(request: ChatRequest, resolved: ResolvedRequest): number {
    let most = 1;
    for (const deployment of deploymentsOf(resolved)) {
      most = Math.max(
        most,
        this.maxOutput(request, deployment, this.options.prices.forDeployment(deployment)),
      );
    }
    return most;
  }

  /** A caller that did not come through ChatGateway's admission (benches): resolve here, without fallbacks. */
  private resolve(request: ChatRequest): ResolvedRequest {
    const group = this.options.catalog.resolve(request.model) ?? { name: request.model, deployments: [] };
    return { group, fallbacks: new Map(), prompt: estimatePrompt(request) };
  }

  /**
   * Worst case of a request over every deployment that may serve it: its group's and those of every fallback
   * group the caller may reach (a fallback to a dearer model must not spend more than was reserved).
   */
  worstCase(request: ChatRequest, resolved: ResolvedRequest, warn = true): Demand {
    const deployments = deploymentsOf(resolved);
    const choices = request.n ?? 1;
    const promptBound = resolved.prompt.upperBound;
    let nanoDollars = 0;
    let maxOutputSeen = 0;
    for (const deployment of deployments) {
      const price = this.options.prices.forDeployment(deployment);
      const maxOutput = this.maxOutput(request, deployment, price) * choices;
      maxOutputSeen = Math.max(maxOutputSeen, maxOutput);
      if (price === undefined) {
        if (warn) this.warnUnpriced(deployment);
        continue;
      }
      const worst = costOf(
        { promptTokens: promptBound, completionTokens: maxOutput, totalTokens: promptBound + maxOutput },
        price,
      );
      // Cache writes cost more than plain input: bound the prompt at the dearer rate.
      const dearerInput = Math.max(
        price.inputPerToken,
        price.cacheWritePerToken ?? 0,
        ...(price.tiers ?? []).map((tier) => tier.inputPerToken ?? 0),
      );
      const dearerOutput = Math.max(
        price.outputPerToken,
        price.reasoningPerToken ?? 0,
        ...(price.tiers ?? []).map((tier) => tier.outputPerToken ?? 0),
      );
      const bound = Math.max(
        worst.costUsd ?? 0,
        promptBound * dearerInput + maxOutput * dearerOutput + (price.perRequest ?? 0),
      );
      nanoDollars = Math.max(nanoDollars, Math.ceil(bound * NANO));
    }
    const requested =
      request.maxTokens === undefined
        ? 0
        : Math.min(request.maxTokens * choices, maxOutputSeen || request.maxTokens * choices);
    return { requests: 1, tokens: resolved.prompt.tokens + requested, nanoDollars };
  }

  /**
   * The most completion tokens a request can be billed for on the deployment that served it: max_tokens, else
   * the model's output limit (model_info, then the price table), else `defaultMaxOutputTokens`; times `n`.
   */
  outputCap(request: ChatRequest, routing: RoutingInfo): number {
    const deployment = this.deploymentOf(routing);
    const price = this.priceFor(routing);
    const perChoice =
      deployment !== undefined
        ? this.maxOutput(request, deployment, price)
        : Math.min(
            request.maxTokens ?? Number.POSITIVE_INFINITY,
            price?.maxOutputTokens ?? this.defaultMaxOutput,
          );
    return perChoice * (request.n ?? 1);
  }

  private deploymentOf(routing: RoutingInfo): Deployment | undefined {
    return this.options.catalog.deployment(routing.deployment);
  }

  private maxOutput(request: ChatRequest, deployment: Deployment, price: ModelPrice | undefined): number {
    const modelMax =
      deployment.info.maxOutputTokens ??
      deployment.info.maxTokens ??
      price?.maxOutputTokens ??
      this.defaultMaxOutput;
    return request.maxTokens === undefined ? modelMax : Math.min(request.maxTokens, modelMax);
  }

  priceFor(routing: RoutingInfo | undefined, attempt?: Attempt): ModelPrice | undefined {
    if (routing === undefined) return undefined;
    const deploymentId = attempt?.deployment ?? routing.deployment;
    const model = attempt?.model ?? routing.model;
    const deployment = this.options.catalog.deployment(deploymentId);
    if (deployment !== undefined)
      return this.options.prices.forDeployment(
        deployment.model === model ? deployment : { ...deployment, model },
      );
    return this.options.prices.lookup(attempt?.provider ?? routing.provider, model);
  }

  warnUnpriced(deployment: Pick<Deployment, "provider" | "model">): void {
    this.unpriced.warn(deployment.provider, deployment.model);
  }

  get ledger(): UsageLedger {
    return this.options.ledger;
  }
}

/** The proxy-wide budget as one shared dollar counter (Redis across replicas), reserved like a key's budget. */
function proxyBudgetRule(budget: UsageMeterOptions["proxyBudget"]): LimitRule | undefined {
  if (budget === undefined) return undefined;
  const seconds =
    budget.budgetDuration === undefined ? undefined : parseDurationSeconds(budget.budgetDuration);
  const window =
    seconds === undefined
      ? undefined
      : { kind: "fixed" as const, ms: seconds * 1000, label: budget.budgetDuration ?? "" };
  return {
    id: `proxy:dollars:${window === undefined ? "all" : window.ms}`,
    metric: "dollars",
    limit: budget.maxBudget,
    window,
    name: `proxy max_budget${window === undefined ? "" : ` (${window.label})`}`,
    subject: { scope: "proxy", id: "proxy" },
  };
}

/** Fewest output tokens worth sending upstream when a budget caps a request's output. */
export const MIN_ANSWER_TOKENS = 16;
const MAX_CAP_ROUNDS = 4;

function deploymentsOf(resolved: ResolvedRequest): Deployment[] {
  const deployments = [...resolved.group.deployments];
  for (const group of resolved.fallbacks.values()) deployments.push(...group.deployments);
  return deployments;
}

function snapshotOf(lease: LimitLease, demand: Demand): MeterSnapshot {
  const snapshot: MeterSnapshot = {};
  let tightest: number | undefined;
  for (const held of lease.rules) {
    const { rule } = held;
    if (rule.metric === "dollars") {
      if (rule.tracking === true || rule.name.startsWith("key max_budget")) {
        if (rule.id.startsWith("key:") && (rule.tracking === true || snapshot.keySpendUsd === undefined))
          snapshot.keySpendUsd = held.used / NANO;
      }
      if (rule.tracking !== true) {
        const remaining = Math.max(0, rule.limit - (held.used + held.reserved) / NANO);
        if (tightest === undefined || remaining < tightest) tightest = remaining;
      }
    } else if (rule.metric === "requests" || rule.metric === "tokens") {
      const amount = rule.metric === "requests" ? demand.requests : demand.tokens;
      const remaining = Math.max(0, rule.limit - held.used - held.reserved - amount);
      if (
        snapshot.rateLimit === undefined ||
        remaining / rule.limit < snapshot.rateLimit.remaining / snapshot.rateLimit.limit
      ) {
        snapshot.rateLimit = { name: rule.metric, limit: rule.limit, remaining, resetMs: held.resetMs };
      }
    }
  }
  if (tightest !== undefined) snapshot.budgetRemainingUsd = tightest;
  return snapshot;
}

/** The lease of a request no rule applies to: nothing was reserved, so nothing is released. */
const NO_LEASE: LimitLease = { rules: [], release: async () => {} };

class Ticket implements MeterTicket {
  private receipt: Promise<MeterReceipt> | undefined;
  /** Wall-clock admission time (rows of attempts the router reported without their own start use it). */
  private readonly startedAtMs = Date.now();

  constructor(
    private readonly meter: UsageMeter,
    private readonly request: ChatRequest,
    private readonly context: ChatContext,
    private readonly lease: LimitLease,
    readonly admission: MeterSnapshot,
  ) {}

  price(usage: Usage, routing: RoutingInfo | undefined): { costUsd: number | undefined; priced: boolean } {
    return costOf(usage, this.meter.priceFor(routing));
  }

  settle(outcome: MeterOutcome): Promise<MeterReceipt> {
    this.receipt ??= this.settleOnce(outcome).catch(async (error: unknown) => {
      // Never throw from settlement: free the slots whatever happened.
      await this.lease.release({ requests: 1, tokens: 0, nanoDollars: 0 });
      throw error;
    });
    return this.receipt.catch(() => ({
      costUsd: undefined,
      priced: false,
      usageEstimated: false,
      usage: outcome.usage,
    }));
  }

  async account(
    reported: Usage | undefined,
    generatedBytes: number,
    routing: RoutingInfo | undefined,
  ): Promise<BilledUsage> {
    try {
      return await this.accountOnce(reported, generatedBytes, false, routing);
    } catch {
      // Never fails the answer: without an estimate the caller sees what the provider reported (or nothing).
      const usage = reported ?? { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      return { usage, estimated: false, costUsd: undefined, priced: false };
    }
  }

  /**
   * The provider's usage, priced; or, when it reported nothing (or only the prompt of a stream cut short), an
   * estimate: the prompt with the tokenizer, the completion from the running byte count (4 bytes a token, the
   * usage module's typical rate), capped by what the request could produce on the deployment that served it.
   */
  private async accountOnce(
    reported: Usage | undefined,
    generatedBytes: number,
    cutShort: boolean,
    routing: RoutingInfo | undefined,
  ): Promise<BilledUsage> {
    let usage = reported;
    let estimated = false;
    if (routing !== undefined && (usage === undefined || (cutShort && usage.completionTokens === 0))) {
      const generated = Math.min(
        completionTokensFromBytes(generatedBytes),
        this.meter.outputCap(this.request, routing),
      );
      const prompt =
        usage?.promptTokens ??
        Math.min(await estimateTokens(requestText(this.request)), estimatePrompt(this.request).upperBound);
      if (usage === undefined || generated > 0) {
        estimated = true;
        usage = {
          ...(usage ?? {}),
          promptTokens: prompt,
          completionTokens: generated,
          totalTokens: prompt + generated,
          estimated: true,
        };
      }
    }
    if (usage === undefined)
      return { usage: ZERO_USAGE, estimated: false, costUsd: undefined, priced: false };
    const { costUsd, priced } = costOf(usage, this.meter.priceFor(routing));
    const billed: Usage = { ...usage };
    if (costUsd !== undefined) billed.costUsd = costUsd;
    return { usage: billed, estimated, costUsd, priced };
  }

  private async settleOnce(outcome: MeterOutcome): Promise<MeterReceipt> {
    if (outcome.cacheHit !== undefined) return this.settleHit(outcome, outcome.cacheHit.savedCostUsd);
    const endedAt = new Date().toISOString();
    const now = performance.now();
    const accounted =
      outcome.billed ??
      (outcome.routing !== undefined
        ? await this.accountOnce(
            outcome.usage,
            outcome.generatedBytes ?? 0,
            outcome.cutShort,
            outcome.routing,
          )
        : undefined);
    const usage = accounted?.usage ?? outcome.usage;
    const estimated = accounted?.estimated ?? false;
    const attempts =
      outcome.attempts.length > 0 || outcome.routing === undefined
        ? outcome.attempts
        : outcome.routing.attempts;
    const { principal } = this.context;
    const rows: UsageRecord[] = [];
    let totalCost = 0;
    let priced = true;
    let tokens = 0;
    attempts.forEach((attempt, index) => {
      const last = index === attempts.length - 1;
      const billed = last && outcome.routing !== undefined ? usage : undefined;
      const price = this.meter.priceFor(outcome.routing ?? pseudoRouting(attempt), attempt);
      const zero: Usage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };
      const cost = costOf(billed ?? zero, price);
      if (!cost.priced) {
        priced = false;
        // An attempt that reached no provider (a guardrail's refusal) has no price to warn about.
        if (attempt.skipped === undefined) this.meter.warnUnpriced(attempt);
      }
      totalCost += cost.costUsd ?? 0;
      tokens += billed?.totalTokens ?? 0;
      const status = last
        ? outcome.error !== undefined
          ? outcome.error.kind
          : outcome.cutShort
            ? "cut_short"
            : attempt.outcome
        : attempt.outcome;
      rows.push({
        requestId: this.context.requestId,
        responseId: this.context.responseId ?? null,
        attempt: index + 1,
        keyId: principal.keyId,
        teamId: principal.teamId ?? null,
        userId: principal.userId ?? null,
        modelGroup: groupOf(attempt) ?? outcome.routing?.modelGroup ?? this.request.model,
        deployment: attempt.deployment,
        provider: attempt.provider,
        model: attempt.model,
        promptTokens: billed?.promptTokens ?? 0,
        completionTokens: billed?.completionTokens ?? 0,
        cachedTokens: billed?.cachedPromptTokens ?? 0,
        cacheWriteTokens: billed?.cacheWriteTokens ?? 0,
        reasoningTokens: billed?.reasoningTokens ?? 0,
        totalTokens: billed?.totalTokens ?? 0,
        costUsd: cost.costUsd ?? null,
        usageEstimated: last && estimated,
        latencyMs: last && outcome.stream ? round(now - outcome.startedAt) : attempt.latencyMs,
        ttftMs:
          last && outcome.firstTokenAt !== undefined ? round(outcome.firstTokenAt - outcome.startedAt) : null,
        status,
        stream: outcome.stream,
        cacheStatus: "none",
        // Each attempt's own times; a stream's committed attempt ends when the stream does.
        startedAt:
          attempt.startedAt !== undefined
            ? new Date(attempt.startedAt).toISOString()
            : new Date(this.startedAtMs).toISOString(),
        endedAt:
          attempt.endedAt !== undefined && !(last && outcome.stream)
            ? new Date(attempt.endedAt).toISOString()
            : endedAt,
      });
    });
    const nanoDollars = Math.round(totalCost * NANO);
    // The row is in the journal before settlement returns (and so before the caller's answer completes).
    const recorded = this.meter.ledger.record(rows.map(scrubbedRecord));
    if (this.lease === NO_LEASE) await recorded;
    else await Promise.all([recorded, this.lease.release({ requests: 1, tokens, nanoDollars })]);
    const receipt: MeterReceipt = {
      ...this.admission,
      costUsd: priced && rows.length > 0 ? Math.round(totalCost * 1e10) / 1e10 : undefined,
      priced: priced && rows.length > 0,
      usageEstimated: estimated,
      usage,
    };
    if (this.admission.keySpendUsd !== undefined)
      receipt.keySpendUsd = this.admission.keySpendUsd + nanoDollars / NANO;
    if (this.admission.budgetRemainingUsd !== undefined)
      receipt.budgetRemainingUsd = Math.max(0, this.admission.budgetRemainingUsd - nanoDollars / NANO);
    return receipt;
  }

  /**
   * A cache hit: one ledger row (attempt 1, `cache_status` hit, no tokens, $0) naming what first served the answer
   * and what it cost then (`saved_cost_usd`); the lease releases its request slot with nothing spent.
   */
  private async settleHit(outcome: MeterOutcome, savedCostUsd: number | undefined): Promise<MeterReceipt> {
    const now = performance.now();
    const routing = outcome.routing;
    const { principal } = this.context;
    const row: UsageRecord = {
      requestId: this.context.requestId,
      responseId: this.context.responseId ?? null,
      attempt: 1,
      keyId: principal.keyId,
      teamId: principal.teamId ?? null,
      userId: principal.userId ?? null,
      modelGroup: routing?.modelGroup || this.request.model,
      deployment: routing?.deployment ?? "",
      provider: routing?.provider ?? "",
      model: routing?.model ?? "",
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      totalTokens: 0,
      costUsd: 0,
      savedCostUsd: savedCostUsd ?? null,
      usageEstimated: false,
      latencyMs: round(now - outcome.startedAt),
      ttftMs: outcome.firstTokenAt !== undefined ? round(outcome.firstTokenAt - outcome.startedAt) : null,
      status: outcome.error !== undefined ? outcome.error.kind : outcome.cutShort ? "cut_short" : "ok",
      stream: outcome.stream,
      cacheStatus: "hit",
      startedAt: new Date(this.startedAtMs).toISOString(),
      endedAt: new Date().toISOString(),
    };
    await Promise.all([
      this.meter.ledger.record([scrubbedRecord(row)]),
      this.lease.release({ requests: 1, tokens: 0, nanoDollars: 0 }),
    ]);
    return { ...this.admission, costUsd: 0, priced: true, usageEstimated: false, usage: outcome.usage };
  }
}

function pseudoRouting(attempt: Attempt): RoutingInfo {
  return {
    modelGroup: groupOf(attempt) ?? "",
    deployment: attempt.deployment,
    provider: attempt.provider,
    model: attempt.model,
    attempts: [],
  };
}

/** The group an attempt served (routers that report fallbacks set it). */
function groupOf(attempt: Attempt): string | undefined {
  const group = (attempt as Attempt & { modelGroup?: unknown }).modelGroup;
  return typeof group === "string" ? group : undefined;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

export type { LimitRule };
