/**
 * Who is calling, as established by authentication. The edges put it in the request context; the core and the
 * usage and limit checks read it. It never carries the secret itself.
 */
export interface Principal {
  /** "master" for the master key, otherwise the virtual key's id. */
  keyId: string;
  role: "admin" | "team_admin" | "user" | "viewer";
  teamId?: string;
  userId?: string;
  /** Model names, aliases or wildcards this principal may call; undefined means all. */
  allowedModels?: readonly string[];
  /** Display form of the key (prefix + last 4), safe to log. */
  display: string;
}
