// ISO-8601 strings of session deadlines, remembered: a session answers GET /auth/session and POST
// /auth/token with the same few instants for minutes, and formatting a Date costs more than a Map lookup.
const MAX_ENTRIES = 10_000;
const formatted = new Map<number, string>();

/** `new Date(ms).toISOString()`, from a bounded cache (emptied whole when full: cheap, and refills at once). */
export function isoTime(ms: number): string {
  let iso = formatted.get(ms);
  if (iso === undefined) {
    if (formatted.size >= MAX_ENTRIES) formatted.clear();
    iso = new Date(ms).toISOString();
    formatted.set(ms, iso);
  }
  return iso;
}
