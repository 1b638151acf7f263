import { matchesModelPattern } from "../core/chat/model-access.js";
import type { Deployment } from "../core/types/deployment.js";

/**
 * The deployments a model name may be served by (group, alias, or the most specific wildcard group, made
 * concrete for the name), the same resolution as the router's, for worst-case pricing before routing.
 */
export function deploymentResolver(
  deployments: readonly Deployment[],
  aliases: Readonly<Record<string, string>> = {},
): (model: string) => Deployment[] {
  const groups = new Map<string, Deployment[]>();
  for (const deployment of deployments) {
    const list = groups.get(deployment.modelName) ?? [];
    list.push(deployment);
    groups.set(deployment.modelName, list);
  }
  const wildcards = [...groups.keys()]
    .filter((name) => name.includes("*"))
    .sort((a, b) => b.length - a.length);
  return (model) => {
    const name = aliases[model] ?? model;
    const exact = groups.get(name);
    if (exact !== undefined && !name.includes("*")) return exact;
    for (const pattern of wildcards) {
      if (!matchesModelPattern(pattern, name)) continue;
      const star = pattern.indexOf("*");
      const captured = name.slice(star, name.length - (pattern.length - star - 1));
      return (groups.get(pattern) ?? []).map((deployment) =>
        deployment.model.includes("*")
          ? { ...deployment, model: deployment.model.replace("*", captured) }
          : deployment,
      );
    }
    return [];
  };
}
