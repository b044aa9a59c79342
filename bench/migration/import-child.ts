// Runs the import CLI in its own process and reports its peak RSS (getrusage maxrss) as the last line.
import { runImportCli } from '../../src/cli/import-legacy-passwords.js';

const started = Date.now();
const lines: string[] = [];
const code = await runImportCli(process.argv.slice(2), process.env, {
  out: (l) => lines.push(l),
  err: (l) => lines.push(l),
  tty: false,
});
const summary = lines.filter((l) => !l.startsWith('  line ')).join(' | ');
process.stdout.write(
  `${JSON.stringify({ code, seconds: (Date.now() - started) / 1000, maxRssKiB: process.resourceUsage().maxRSS, summary })}\n`,
);
