import { useState } from "preact/hooks";

/**
 * A new or rotated key's secret: shown here once, with a copy button. The console keeps it nowhere else: when
 * this panel is closed the secret is gone (the gateway stores only its hash).
 */
export function SecretOnce(props: { title: string; secret: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied(true);
    } catch {
      // No clipboard permission: select the text so the operator can copy it by hand.
      const field = document.getElementById("secret-value") as HTMLInputElement | null;
      field?.select();
    }
  };
  return (
    <div class="secret card" role="dialog" aria-label={props.title} data-testid="secret-once">
      <h3>{props.title}</h3>
      <p>Copy the secret now: it is shown once and cannot be shown again.</p>
      <div class="row">
        <input id="secret-value" readOnly value={props.secret} data-testid="secret-value" />
        <button type="button" onClick={copy}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" class="secondary" onClick={props.onClose}>
          Done
        </button>
      </div>
    </div>
  );
}
