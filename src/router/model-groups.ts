import type { ModelDescriptor } from "../core/chat/dispatcher.js";
import { matchesModelPattern } from "../core/chat/model-access.js";
import type { Deployment } from "../core/types/deployment.js";

export interface ModelGroup {
  /** The group name (`model_name`, a wildcard pattern, or a `model_info.id`). */
  name: string;
  deployments: Deployment[];
}

interface StoredGroup extends ModelGroup {
  wildcard: boolean;
}

/**
 * Model names → deployments: groups by `model_name`, `model_group_alias`, wildcard groups (`anthropic/*`, `*`,
 * most specific pattern first, the captured part substituted into the deployment's model), and `model_info.id`,
 * which addresses exactly one deployment.
 */
export class ModelGroups {
  private readonly groups = new Map<string, StoredGroup>();
  private readonly wildcards: StoredGroup[] = [];
  private readonly byId = new Map<string, Deployment>();

  constructor(
    deployments: readonly Deployment[],
    private readonly aliases: Readonly<Record<string, string>>,
    private readonly hiddenAliases: ReadonlySet<string> = new Set(),
  ) {
    for (const deployment of deployments) {
      let group = this.groups.get(deployment.modelName);
      if (group === undefined) {
        group = { name: deployment.modelName, deployments: [], wildcard: deployment.modelName.includes("*") };
        this.groups.set(deployment.modelName, group);
        if (group.wildcard) this.wildcards.push(group);
      }
      group.deployments.push(deployment);
      if (deployment.info.id !== undefined) this.byId.set(deployment.info.id, deployment);
    }
    this.wildcards.sort((a, b) => b.name.length - a.name.length);
  }

  /** Every deployment, each once (for state look-ups and benches). */
  all(): Deployment[] {
    return [...this.groups.values()].flatMap((group) => group.deployments);
  }

  resolve(model: string): ModelGroup | undefined {
    const name = this.aliases[model] ?? model;
    const exact = this.groups.get(name);
    if (exact !== undefined && !exact.wildcard) return exact;
    const single = this.byId.get(name);
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

  list(capabilitiesOf: (provider: string) => readonly string[]): ModelDescriptor[] {
    const out: ModelDescriptor[] = [];
    const add = (id: string, group: ModelGroup) => {
      const providers = new Set(group.deployments.map((deployment) => deployment.provider));
      const first = group.deployments[0];
      const descriptor: ModelDescriptor = {
        id,
        provider: providers.size === 1 ? (first?.provider ?? "") : "mixed",
        deployments: group.deployments.length,
        capabilities: providers.size === 1 ? [...capabilitiesOf(first?.provider ?? "")] : [],
      };
      const maxInput = first?.info.maxInputTokens;
      const maxOutput = first?.info.maxOutputTokens ?? first?.info.maxTokens;
      if (maxInput !== undefined) descriptor.maxInputTokens = maxInput;
      if (maxOutput !== undefined) descriptor.maxOutputTokens = maxOutput;
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
