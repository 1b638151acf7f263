/**
 * Exit codes of the operators' CLI. Scripts branch on these, so they are a contract: documented in docs/cli.md,
 * never renumbered.
 */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The command line was wrong (unknown command or flag, bad value); nothing was sent. */
  usage: 1,
  /** The gateway answered and refused: bad field, unknown key, wrong or missing API key, no permission. */
  refused: 2,
  /** The gateway could not be reached (connection refused, DNS, TLS, timeout, unavailable). */
  unreachable: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A mistake on the command line: exit 1 with this message (it names the flag or argument). */
export class UsageError extends Error {
  override name = "UsageError";
}
