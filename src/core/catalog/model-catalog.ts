import type { DeploymentFacts, ModelDescriptor } from "../chat/dispatcher.js";
import { matchesModelPattern } from "../chat/model-access.js";
import type { Deployment } from "../types/deployment.js";

/** The deployments one model name is served by. */
export interface ModelGroup {
  /** The group name (`model_name`, a wildcard pattern, or a `model_info.id`). */
  name: string;
  deployments: Deployment[];
}

/**
 * The model catalog port: model names → deployments, the one resolution the gateway (does the model exist?),
 * the router (which deployments may serve it?) and usage (what may it cost?) all use. Resolve once per request
 * (ChatGateway does, and carries the result on ChatContext.resolved); nothing downstream resolves the same name
 * again.
 */
export interface ModelCatalog {
  /** The group a model name names: alias applied, exact group, `model_info.id`, then the most specific wildcard. */
  resolve(model: string): ModelGroup | undefined;
  /** A configured deployment by its id (the router reports ids; pricing looks them up). */
  deployment(id: string): Deployment | undefined;
  /** Every deployment, each once. */
  all(): readonly Deployment[];
  /** Every model name callers may use (groups, listed aliases, wildcard patterns), with what is known of each. */
  list(): ModelDescriptor[];
}

export interface ModelCatalogOptions {
  /** `model_group_alias`: alias → group. */
  aliases?: Readonly<Record<string, string>>;
  /** Aliases that route but are not listed. */
  hiddenAliases?: Iterable<string>;
  /** What a provider can do, for list() (injected: the core does not import providers). */
  capabilitiesOf?: (provider: string) => readonly string[];
  /** Limits and prices of a deployment from the price table and the model catalog, for list(). */
  factsOf?: (deployment: Deployment) => DeploymentFacts | undefined;
}

interface StoredGroup extends ModelGroup {
  wildcard: boolean;
}

/**
 * The catalog built from `model_list` and `model_group_alias`: groups by `model_name`, aliases, wildcard groups
 * (`anthropic/*`, `*`, most specific pattern first, the captured part substituted into the deployment's model),
 * and `model_info.id`, which addresses exactly one deployment.
 */
export class ConfiguredModelCatalog implements ModelCatalog {
  private readonly groups = new Map<string, StoredGroup>();
  private readonly wildcards: StoredGroup[] = [];
  private readonly byInfoId = new Map<string, Deployment>();
  private readonly byId = new Map<string, Deployment>();
  private readonly deployments: readonly Deployment[];
  private readonly aliases: Readonly<Record<string, string>>;
  private readonly hiddenAliases: ReadonlySet<string>;
  private readonly capabilitiesOf: (provider: string) => readonly string[];
  private readonly factsOf: (deployment: Deployment) => DeploymentFacts | undefined;

  constructor(deployments: readonly Deployment[], options: ModelCatalogOptions = {}) {
    this.deployments = [...deployments];
    this.aliases = options.aliases ?? {};
    this.hiddenAliases = new Set(options.hiddenAliases ?? []);
    this.capabilitiesOf = options.capabilitiesOf ?? (() => []);
    this.factsOf = options.factsOf ?? (() => undefined);
    for (const deployment of deployments) {
      let group = this.groups.get(deployment.modelName);
      if (group === undefined) {
        group = { name: deployment.modelName, deployments: [], wildcard: deployment.modelName.includes("*") };
        this.groups.set(deployment.modelName, group);
        if (group.wildcard) this.wildcards.push(group);
      }
      group.deployments.push(deployment);
      if (deployment.info.id !== undefined) this.byInfoId.set(deployment.info.id, deployment);
      if (!this.byId.has(deployment.id)) this.byId.set(deployment.id, deployment);
    }
    this.wildcards.sort((a, b) => b.name.length - a.name.length);
  }

  all(): readonly Deployment[] {
    return this.deployments;
  }

  deployment(id: string): Deployment | undefined {
    return this.byId.get(id);
  }

  resolve(model: string): ModelGroup | undefined {
    const name = this.aliases[model] ?? model;
    const exact = this.groups.get(name);
    if (exact !== undefined && !exact.wildcard) return exact;
    const single = this.byInfoId.get(name);
    if (single !== undefined && !single.modelName.includes("*")) return { name, deployments: [single] };
    for (const group of this.wildcards) {
      if (!matchesModelPattern(group.name, name)) continue;
      return {
        name: group.name,
        deployments: group.deployments.map((deployment) => concretise(deployment, group.name, name)),
      };
    }
    return undefined;
  }

  list(): ModelDescriptor[] {
    const out: ModelDescriptor[] = [];
    const add = (id: string, group: ModelGroup) => {
      const providers = new Set(group.deployments.map((deployment) => deployment.provider));
      const first = group.deployments[0];
      const descriptor: ModelDescriptor = {
        id,
        provider: providers.size === 1 ? (first?.provider ?? "") : "mixed",
        deployments: group.deployments.length,
        capabilities: providers.size === 1 ? [...this.capabilitiesOf(first?.provider ?? "")] : [],
      };
      // model_info's limits win; else what the price table and the model catalog know of the first deployment.
      const facts = first === undefined ? undefined : this.factsOf(first);
      const maxInput = first?.info.maxInputTokens ?? facts?.maxInputTokens;
      const maxOutput = first?.info.maxOutputTokens ?? first?.info.maxTokens ?? facts?.maxOutputTokens;
      if (maxInput !== undefined) descriptor.maxInputTokens = maxInput;
      if (maxOutput !== undefined) descriptor.maxOutputTokens = maxOutput;
      if (facts?.pricing !== undefined) descriptor.pricing = facts.pricing;
      out.push(descriptor);
    };
    for (const group of this.groups.values()) add(group.name, group);
    for (const [alias, target] of Object.entries(this.aliases)) {
      const group = this.groups.get(target);
      if (group !== undefined && !this.hiddenAliases.has(alias)) add(alias, group);
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }
}

/** A wildcard deployment made concrete for one model: `openai/*` + `openai/gpt-4o` → model `gpt-4o`. */
export function concretise(deployment: Deployment, pattern: string, model: string): Deployment {
  if (!deployment.model.includes("*")) return deployment;
  const star = pattern.indexOf("*");
  const captured = star === -1 ? model : model.slice(star, model.length - (pattern.length - star - 1));
  return { ...deployment, model: deployment.model.replace("*", captured) };
}
