// Dev mode only: the password-reset link the embedded emulator "mailed", read from its outbox, so the
// demo page and local testing can follow the link without an inbox. Never called against a real SCAYLE.
import { request } from 'undici';

interface OutboxEntry {
  kind?: unknown;
  email?: unknown;
  link?: unknown;
}

/** The newest reset link mailed to `email`, or undefined (unknown address, or the outbox unreadable). */
export async function latestResetLink(emulatorUrl: string, email: string): Promise<string | undefined> {
  try {
    const res = await request(new URL('/__emulator/outbox', emulatorUrl), { headersTimeout: 2_000, bodyTimeout: 2_000 });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return undefined;
    }
    const entries = (await res.body.json()) as OutboxEntry[];
    const wanted = email.toLowerCase();
    const mine = entries.filter((e) => e.kind === 'password-reset' && typeof e.email === 'string' && e.email.toLowerCase() === wanted);
    const link = mine.at(-1)?.link;
    return typeof link === 'string' ? link : undefined;
  } catch {
    // A dev aid: the reset e-mail was still sent, only the shortcut is missing.
    return undefined;
  }
}
