/**
 * Checks the shape of free-form JSON (a push's `data`) before anything recursive touches it.
 *
 * A few KB of valid JSON nested a few thousand levels deep overflowed the stack of V8's
 * serializer in the cluster adapter's IPC (`serialization: 'advanced'`): every process that got
 * the relayed message died, then the primary (issue 11, item 7). JSON.stringify, structured
 * clone and socket.io-parser's binary scan recurse the same way. So the walk here is iterative
 * (an explicit stack, never the call stack) and stops at the first level past the limit: its cost
 * is bounded by the input's size, and its own stack by `maxDepth`.
 */

/** Why a value was refused, with the path to the first offending place (`data.a.0.b`). */
export interface JsonShapeProblem {
  kind: 'too_deep' | 'forbidden_key';
  /** Dotted path from the value's root, for the error message. */
  path: string;
}

/**
 * Keys refused anywhere: JSON.parse makes `__proto__` an own property, but code that copies the
 * object (`{ ...x }`, Object.assign, zod's passthrough) turns it into the prototype instead, so
 * a field would silently vanish or change another object's shape.
 */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__']);

/**
 * The depth of a value: a scalar is 0, `[]` and `{}` are 1, `[[1]]` is 2. Returns the first
 * problem found (too deep, or a forbidden key), or undefined when the value is fine.
 */
export function checkJsonShape(value: unknown, maxDepth: number, root = 'data'): JsonShapeProblem | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  // Each frame: a container, its depth (1 for the root) and its path.
  const stack: { node: object; depth: number; path: string }[] = [{ node: value, depth: 1, path: root }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop() as { node: object; depth: number; path: string };
    if (depth > maxDepth) return { kind: 'too_deep', path };
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const child: unknown = node[i];
        if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1, path: `${path}.${i}` });
      }
      continue;
    }
    for (const key of Object.keys(node)) {
      if (FORBIDDEN_JSON_KEYS.has(key)) return { kind: 'forbidden_key', path: `${path}.${key}` };
      const child: unknown = (node as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') stack.push({ node: child, depth: depth + 1, path: `${path}.${key}` });
    }
  }
  return undefined;
}

/** The message for a problem, naming the limit and its configuration key. */
export function describeJsonShapeProblem(problem: JsonShapeProblem, maxDepth: number): string {
  return problem.kind === 'too_deep'
    ? `nested deeper than ${maxDepth} levels at ${truncatePath(problem.path)} (push.maxDataDepth)`
    : `the key "__proto__" is not allowed (at ${truncatePath(problem.path)})`;
}

/** Paths of deep values are long (`data.0.0.0…`): keep the message short. */
function truncatePath(path: string): string {
  return path.length <= 80 ? path : `${path.slice(0, 77)}...`;
}
