// `npm run check-upstream`: with a shop's production variables, runs a safe, self-cleaning sequence
// against its SCAYLE tenant and prints, for each [INF]/[UNKNOWN] point of upstream-contract.md, what the
// tenant does and the emulator switch that matches. Exit 1 where the tenant contradicts what the service
// relies on, 2 on a configuration problem. Prints statuses, field and claim names; never a secret or token.
// With SHOPS_FILE, `--shop <id>` picks the shop whose variables (and tenant) are checked (issue 18 part 3).
import { pathToFileURL } from 'node:url';
import { buildCheckDeps } from '../upstream-check/build-deps.js';
import { exitCodeOf, formatFinding } from '../upstream-check/findings.js';
import { runCheck } from '../upstream-check/run-check.js';
import { loadCliShops, takeShopOption, type CliIo } from './cli-io.js';

const USAGE = 'usage: npm run check-upstream [-- --shop <id>]';

export async function runCheckUpstreamCli(
  env: Record<string, string | undefined>,
  io: CliIo,
  argv: readonly string[] = [],
): Promise<number> {
  const option = takeShopOption(argv);
  if ('problem' in option || option.argv.length > 0) {
    io.err('problem' in option ? `${option.problem}\n${USAGE}` : USAGE);
    return 2;
  }
  const target = loadCliShops(option.shop, env, io, { scope: 'one', configExit: 2 });
  if ('exit' in target) return target.exit;
  const { id: shop, config } = target.shops[0]!;
  const baseUrl = config.scayle.baseUrl;
  if (baseUrl === undefined) {
    io.err('SCAYLE_AUTH_BASE_URL is unset: there is no tenant to check (dev mode talks to the embedded emulator)');
    return 2;
  }
  const testEmail = env.CHECK_UPSTREAM_EMAIL?.trim() || undefined;
  const deps = buildCheckDeps(config, baseUrl, testEmail);
  const which = shop === undefined ? '' : `SHOPS_FILE shop ${shop}, `;
  io.out(`Checking the SCAYLE tenant at ${new URL(baseUrl).origin} (${which}shop ${config.scayle.shopId}); run ${deps.runId}`);
  try {
    const findings = await runCheck(deps);
    for (const finding of findings) for (const line of formatFinding(finding)) io.out(line);
    const failed = findings.filter((f) => f.verdict === 'fail').length;
    io.out(failed === 0 ? 'No contradictions: the service can rely on this tenant.' : `${failed} contradiction(s): see the FAIL lines.`);
    return exitCodeOf(findings);
  } finally {
    await deps.close();
  }
}

// Run as a program (npm run check-upstream), not when a test imports it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const io = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) };
  runCheckUpstreamCli(process.env, io, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      io.err(`failed: ${error instanceof Error ? error.name : 'unknown error'}`);
      process.exit(1);
    },
  );
}
