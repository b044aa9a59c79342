// Enough PromQL reading for the drift test: the metric names an expression selects, the label names
// each selector matches on, and the labels it aggregates by.

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

export interface Selector {
  metric: string;
  /** Label names in the selector's `{...}` matchers. */
  labels: string[];
}

export interface ExprFacts {
  selectors: Selector[];
  /** Label names in `by (...)` / `without (...)` / `on (...)` / `ignoring (...)` clauses. */
  groupings: string[];
}

export function readPromql(expr: string): ExprFacts {
  // Strings and durations first: their contents are not names.
  const text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, ' ');
  const groupings: string[] = [];
  const withoutGroupings = text.replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, names: string) => {
    groupings.push(
      ...names
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const selectors: Selector[] = [];
  const pattern = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*(\()?/g;
  for (const match of withoutGroupings.matchAll(pattern)) {
    const [, name, matchers, call] = match;
    const before = withoutGroupings[match.index - 1];
    // Function calls, keywords, numbers' exponents (1e-9) and label names inside braces are not metrics.
    if (call !== undefined || KEYWORDS.has(name!.toLowerCase()) || (before !== undefined && /[0-9.]/.test(before))) continue;
    if (isInsideBraces(withoutGroupings, match.index)) continue;
    const labels = [...(matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]!);
    selectors.push({ metric: name!, labels });
  }
  return { selectors, groupings };
}

function isInsideBraces(text: string, index: number): boolean {
  return text.lastIndexOf('{', index) > text.lastIndexOf('}', index);
}

/** Histogram and summary series share their family's name. */
export function familyOf(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}
