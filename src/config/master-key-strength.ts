/** Shortest master key we call strong: a short key is a guessable key (GUARDS 4). */
export const MIN_MASTER_KEY_LENGTH = 24;

/**
 * Why a master key is weak (short, or made of very few distinct characters), or undefined when it is not. One rule
 * for `switchboard check` and for the start: a weak key from the config or environment is a loud warning (LiteLLM
 * accepts such keys, and its published configs use them), an error with `strict_master_key`. Generated keys are
 * always strong.
 */
export function masterKeyWeakness(key: string): string | undefined {
  if (key.length < MIN_MASTER_KEY_LENGTH) return `shorter than ${MIN_MASTER_KEY_LENGTH} characters`;
  if (new Set(key).size < 8) return "fewer than 8 distinct characters";
  return undefined;
}
