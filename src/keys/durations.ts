/** Moved to src/shared/ (generic helpers live there, so config can read durations too); kept for importers. */
export { parseDurationSeconds } from "../shared/durations.js";
