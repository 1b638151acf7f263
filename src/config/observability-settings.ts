import type { RawGeneralSettings, RawLitellmSettings } from "./schema.js";

/**
 * LiteLLM's observability keys, as Switchboard honours them (docs/observability.md):
 * `litellm_settings.success_callback` / `failure_callback` / `callbacks` (names: `otel`, `langfuse`,
 * `generic_api`, `prometheus`, or a path to a `.js`/`.mjs` module), `turn_off_message_logging`, and
 * `general_settings.alerting` / `alerting_threshold` / `alert_types` / `alerting_args`. Credentials and endpoints
 * come from the environment, as in LiteLLM (LANGFUSE_*, GENERIC_LOGGER_*, SLACK_WEBHOOK_URL, OTEL_*).
 */
export interface ObservabilitySettings {
  /** `otel` named in any callback list. */
  otel: boolean;
  /** Logging callbacks (besides otel and prometheus) with the outcomes each receives, in config order. */
  callbacks: CallbackSetting[];
  /** `turn_off_message_logging`: no prompt or completion content in any callback or span. Default false. */
  turnOffMessageLogging: boolean;
  /** `general_settings.alerting` includes `slack`. */
  slackAlerting: boolean;
  alertingThresholdSeconds: number | undefined;
  /** `alert_types` restricted to those Switchboard sends; undefined: all. */
  alertTypes: string[] | undefined;
  /** `alerting_args`, numbers only (names in docs/observability.md). */
  alertingArgs: Record<string, number>;
}

export interface CallbackSetting {
  name: string;
  onSuccess: boolean;
  onFailure: boolean;
}

/** Callback names that are built in; anything else must be a module path or is warned about and ignored. */
const BUILT_IN = new Set(["langfuse", "generic_api"]);
/** Names that mean traces or metrics, which are configured elsewhere. */
const OTEL_NAMES = new Set(["otel", "opentelemetry", "open_telemetry"]);
const KNOWN_ALERT_TYPES = new Set([
  "budget_alerts",
  "cooldown_deployment",
  "outage_alerts",
  "db_exceptions",
  "llm_too_slow",
]);

export function buildObservabilitySettings(
  litellm: RawLitellmSettings | undefined,
  general: RawGeneralSettings | undefined,
  warnings: string[],
): ObservabilitySettings {
  const byName = new Map<string, CallbackSetting>();
  let otel = false;
  const add = (list: readonly string[] | undefined, key: string, success: boolean, failure: boolean) => {
    for (const raw of list ?? []) {
      const name = raw.trim();
      const lower = name.toLowerCase();
      if (OTEL_NAMES.has(lower)) {
        otel = true;
        continue;
      }
      if (lower === "prometheus") continue; // `GET /metrics` is on by default (general_settings.metrics_enabled).
      if (!BUILT_IN.has(lower) && !/\.(m?js|cjs)$/.test(name)) {
        warnings.push(
          `litellm_settings.${key}: callback '${name}' is not supported by Switchboard, ignored — supported: otel, langfuse, generic_api, prometheus, or a path to a .js/.mjs module`,
        );
        continue;
      }
      const id = BUILT_IN.has(lower) ? lower : name;
      const entry = byName.get(id) ?? { name: id, onSuccess: false, onFailure: false };
      entry.onSuccess ||= success;
      entry.onFailure ||= failure;
      byName.set(id, entry);
    }
  };
  add(litellm?.callbacks, "callbacks", true, true);
  add(litellm?.success_callback, "success_callback", true, false);
  add(litellm?.failure_callback, "failure_callback", false, true);

  const alerting = general?.alerting ?? [];
  for (const channel of alerting)
    if (channel !== "slack")
      warnings.push(`general_settings.alerting: '${channel}' is not supported, ignored — supported: slack`);
  let alertTypes: string[] | undefined;
  if (general?.alert_types !== undefined) {
    alertTypes = general.alert_types.filter((type) => KNOWN_ALERT_TYPES.has(type));
    const unknown = general.alert_types.filter((type) => !KNOWN_ALERT_TYPES.has(type));
    if (unknown.length > 0)
      warnings.push(
        `general_settings.alert_types: ${unknown.join(", ")} not sent by Switchboard, ignored — supported: ${[...KNOWN_ALERT_TYPES].join(", ")}`,
      );
  }
  const alertingArgs: Record<string, number> = {};
  for (const [name, value] of Object.entries(general?.alerting_args ?? {})) {
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) alertingArgs[name] = value;
    else warnings.push(`general_settings.alerting_args.${name}: must be a non-negative number, ignored`);
  }
  return {
    otel,
    callbacks: [...byName.values()],
    turnOffMessageLogging: litellm?.turn_off_message_logging ?? false,
    slackAlerting: alerting.includes("slack"),
    alertingThresholdSeconds: general?.alerting_threshold,
    alertTypes,
    alertingArgs,
  };
}
