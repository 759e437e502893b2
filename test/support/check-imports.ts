/**
 * `npm run check:imports` (after `npm run build`): prints every import circle and every import that
 * goes against the one-way rule (workers → server → shared; the product never imports bench/ or
 * test/), and exits 1 if there is any. The rules are in import-graph.ts; the unit test
 * test/unit/import-graph.test.ts runs the same check in CI.
 */
import { packageRoot } from '../../shared/paths';
import { findCircles, findDirectionViolations, formatCircle, formatViolation, loadImportGraph } from './import-graph';

async function main(): Promise<void> {
  const tree = await loadImportGraph(packageRoot());
  const circles = findCircles(tree);
  const violations = findDirectionViolations(tree);
  const files = Object.keys(tree).filter((id) => !id.includes('node_modules') && !id.includes(':')).length;
  for (const circle of circles) console.log(`circle: ${formatCircle(circle)}`);
  for (const violation of violations) console.log(`wrong direction: ${formatViolation(violation)}`);
  console.log(`${files} files: ${circles.length} import circle(s), ${violations.length} import(s) against the direction rule`);
  process.exitCode = circles.length + violations.length > 0 ? 1 : 0;
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 2;
});
