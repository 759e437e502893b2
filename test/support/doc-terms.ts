/**
 * What an operator types, as a Markdown page names it: the commands (in fenced code blocks and
 * inline code), the flags and the environment variables. A translated page must name the same
 * ones verbatim; `missingTerms` lists those of the original that the translation lacks.
 */

/** The programs whose invocations count as commands. */
const PROGRAMS = new Set([
  'herald',
  'node',
  'npm',
  'npx',
  'curl',
  'pm2',
  'nginx',
  'systemctl',
  'systemd-analyze',
  'sysctl',
  'nstat',
  'kill',
  'php',
]);

/** Herald's CLI groups, as the pages name them without `herald` in front (`process show -d`). */
const CLI_GROUP = /^(server|process|task|crontab|db) \S/;

export type TermKind = 'command' | 'flag' | 'variable';

/** One thing to keep verbatim, printed as `kind: text` when missing. */
export interface Term {
  kind: TermKind;
  text: string;
}

const FENCE = /^```[^\n]*\n([\s\S]*?)^```/gm;
const FLAG = /(?<![\w-])--[A-Za-z][\w-]*/g;
const VARIABLE = /\b(?:HERALD_[A-Z0-9_]+|PUSH_ENV)\b/g;

const squeeze = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The bodies of a page's fenced code blocks. */
export function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(FENCE)].map((match) => match[1] as string);
}

/** A code block's lines without shell comments (a translation may translate those) or trailing blanks. */
export function withoutComments(block: string): string {
  return block
    .split('\n')
    .map((line) => line.replace(/(^|\s)# .*$/, '').trimEnd())
    .join('\n');
}

function isCommand(text: string): boolean {
  return PROGRAMS.has(text.split(' ')[0] as string) || CLI_GROUP.test(text);
}

/**
 * The commands of one code-block line: a shell prompt and comment dropped, split where a block
 * lays out several side by side (two or more spaces, or a new `herald …` on the same line).
 */
function lineCommands(line: string): string[] {
  const bare = line.replace(/^\$ /, '').replace(/(^|\s)# .*$/, '');
  const commands: string[] = [];
  for (const column of bare.split(/\s{2,}/)) {
    const text = squeeze(column);
    if (text === '' || !isCommand(text)) continue;
    if (text.startsWith('herald ')) commands.push(...text.split(/ (?=herald )/));
    else commands.push(text);
  }
  return commands;
}

/** Every command, flag and environment variable a page names, each once, in order of appearance. */
export function operatorTerms(markdown: string): Term[] {
  const terms = new Map<string, Term>();
  const add = (kind: TermKind, text: string) => terms.set(`${kind}: ${text}`, { kind, text });
  for (const block of codeBlocks(markdown)) {
    const lines = block.split('\n');
    // In a transcript (`$ herald server status` and what it printed) only the prompted lines are typed.
    const typed = lines.some((line) => line.startsWith('$ ')) ? lines.filter((line) => line.startsWith('$ ')) : lines;
    for (const line of typed) for (const command of lineCommands(line)) add('command', command);
  }
  const prose = markdown.replace(FENCE, '');
  for (const match of prose.matchAll(/`([^`]+)`/g)) {
    const span = squeeze(match[1] as string);
    if (isCommand(span)) add('command', span);
    else if (/^-[A-Za-z][\w-]*(=\S*)?$/.test(span)) add('flag', span.replace(/=.*/, ''));
  }
  for (const match of markdown.matchAll(FLAG)) add('flag', match[0]);
  for (const match of markdown.matchAll(VARIABLE)) add('variable', match[0]);
  return [...terms.values()];
}

/** The terms of `original` that `translation` does not name, as `kind: text` lines. */
export function missingTerms(original: string, translation: string): string[] {
  const present = new Set(operatorTerms(translation).map((term) => `${term.kind}: ${term.text}`));
  return operatorTerms(original)
    .map((term) => `${term.kind}: ${term.text}`)
    .filter((key) => !present.has(key));
}

/** The levels of a page's headings, in order (`#` → 1), code blocks skipped. */
export function headingLevels(markdown: string): number[] {
  return [...markdown.replace(FENCE, '').matchAll(/^(#{1,6}) /gm)].map((match) => (match[1] as string).length);
}
