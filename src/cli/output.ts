import { Option } from 'commander';

/** `--json`: the result as one line of JSON on stdout, for scripts and `jq`. */
export const jsonOption = (): Option =>
  new Option('--json', 'print the result as one line of JSON').default(false);

/**
 * Prints a command's result on stdout, its only output there: one JSON line with `--json`,
 * else the human form (`text`, or indented JSON when the command has none).
 */
export function printResult(
  options: { json?: boolean },
  value: unknown,
  text?: () => string,
  out: NodeJS.WritableStream = process.stdout,
): void {
  if (options.json) out.write(`${JSON.stringify(value)}\n`);
  else if (text) {
    const human = text();
    out.write(human.endsWith('\n') || human === '' ? human : `${human}\n`);
  } else out.write(`${JSON.stringify(value, null, 2)}\n`);
}
