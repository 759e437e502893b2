/**
 * The import graph of the whole tree (the product, the worker processes, the tests, the bench) and
 * the two rules CI holds it to (`npm run check:imports`, test/unit/import-graph.test.ts):
 *
 * - no import circle anywhere, type-only imports included (a circle of types still ties the files'
 *   designs together, and the next value import turns it into a load-order bug);
 * - imports flow one way: workers → server libraries → shared, and the product never imports
 *   bench/ or test/ (DIRECTION_RULES below, docs/ARCHITECTURE.md).
 *
 * The graph comes from dpdm (the cycle checker BullMQ-style projects run), without its transform,
 * so `import type` edges count.
 */
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';

/** Every TypeScript file Herald builds or runs, product first. */
export const SOURCE_GLOBS: readonly string[] = [
  'server/**/*.ts',
  'shared/**/*.ts',
  'workers/**/*.ts',
  'client/**/*.ts',
  'console/**/*.ts',
  'test/**/*.ts',
  'bench/**/*.ts',
];

/** The top-level folders that ship as Herald (the rest, test/ and bench/, only check it). */
const PRODUCT: readonly string[] = ['server', 'shared', 'workers', 'client', 'console'];

export interface DirectionRule {
  /** Top-level folders whose files the rule applies to. */
  from: readonly string[];
  /** Top-level folders those files must not import, type-only imports included. */
  mustNotImport: readonly string[];
  why: string;
}

export const DIRECTION_RULES: readonly DirectionRule[] = [
  { from: ['shared'], mustNotImport: ['server', 'workers'], why: 'shared/ is the bottom layer: config, protocol, errors, store' },
  { from: ['server'], mustNotImport: ['workers'], why: 'the primary forks worker processes by path (shared/process-roles.ts), it never imports them' },
  { from: PRODUCT, mustNotImport: ['bench', 'test'], why: 'the product never carries bench or test code' },
];

export interface DirectionViolation {
  issuer: string;
  imported: string;
  rule: DirectionRule;
}

/** The graph of the files under `root` that SOURCE_GLOBS names, with paths relative to `root`. */
export async function loadImportGraph(root: string): Promise<DependencyTree> {
  return parseDependencyTree([...SOURCE_GLOBS], { cwd: root, context: root, transform: false, skipDynamicImports: false });
}

/** Each circle as its files in import order, as `dpdm --circular` prints them. */
export function findCircles(tree: DependencyTree): string[][] {
  return parseCircular(tree);
}

/** Every import that goes against a direction rule; packages and Node's modules are not checked. */
export function findDirectionViolations(tree: DependencyTree, rules: readonly DirectionRule[] = DIRECTION_RULES): DirectionViolation[] {
  const violations: DirectionViolation[] = [];
  for (const [issuer, dependencies] of Object.entries(tree)) {
    const from = topFolder(issuer);
    for (const dependency of dependencies ?? []) {
      if (dependency.id === null) continue;
      const to = topFolder(dependency.id);
      for (const rule of rules) {
        if (rule.from.includes(from) && rule.mustNotImport.includes(to)) violations.push({ issuer, imported: dependency.id, rule });
      }
    }
  }
  return violations;
}

export function formatCircle(circle: readonly string[]): string {
  return circle.join(' -> ');
}

export function formatViolation(violation: DirectionViolation): string {
  return `${violation.issuer} imports ${violation.imported} (${violation.rule.why})`;
}

/** `server/cli/main.ts` → `server`; a package path (`../node_modules/…`, `node:fs`) → ''. */
function topFolder(path: string): string {
  if (path.startsWith('.') || path.includes('node_modules') || path.includes(':')) return '';
  return path.split('/')[0] ?? '';
}
