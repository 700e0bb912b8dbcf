import type { Command } from 'commander';

/** The command's words as typed (`tradecache users add`), for the `--help` hint. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Applies the CLI's usage-error rules to `program` and every command under it, however deep and
 * however it was added (`addCommand` copies no settings): commander throws instead of calling
 * `process.exit(1)`, so `main` can exit 2, and its message is one line naming the problem and
 * where the usage is.
 */
export function applyUsageErrorRules(program: Command): void {
  const visit = (command: Command) => {
    command.exitOverride();
    command.showHelpAfterError(false);
    command.configureOutput({
      outputError: (message, write) => {
        const line = message.trim().replace(/^error: /, '');
        write(`tradecache: ${line} (see \`${commandPath(command)} --help\`)\n`);
      },
    });
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}
