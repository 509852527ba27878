/**
 * The step graph: duplicate ids, unknown `needs`, cycles (named), and the dependency order that
 * the planner and runner follow. Pure; works on ids only.
 */

export interface GraphNode {
  readonly id: string;
  readonly needs: readonly string[];
}

/**
 * Every cycle reachable in the graph, each as the list of ids around it with the first repeated
 * at the end (`["a", "b", "a"]`). Unknown `needs` are ignored here (reported elsewhere).
 */
export const findCycles = (nodes: readonly GraphNode[]): string[][] => {
  const byId = new Map<string, GraphNode>();
  for (const node of nodes) if (!byId.has(node.id)) byId.set(node.id, node); // duplicates: reported elsewhere
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, "visiting");
    stack.push(id);
    for (const next of byId.get(id)?.needs ?? []) {
      if (!byId.has(next)) continue;
      const s = state.get(next);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        // One report per cycle, whichever node the walk entered it by.
        const key = [...cycle.slice(0, -1)].sort().join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const node of nodes) if (!state.has(node.id)) visit(node.id);
  return cycles;
};

/**
 * Ids in an order where every step comes after the steps it needs; ties keep the order of the
 * file, so the result is deterministic. Assumes no cycles (check with findCycles first).
 */
export const dependencyOrder = (nodes: readonly GraphNode[]): string[] => {
  const ids = new Set(nodes.map((n) => n.id));
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < nodes.length) {
    const ready = nodes.find(
      (n) => !done.has(n.id) && n.needs.every((need) => done.has(need) || !ids.has(need)),
    );
    if (ready === undefined) break;
    done.add(ready.id);
    order.push(ready.id);
  }
  return order;
};
