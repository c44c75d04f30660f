// TOPSIS (Hwang & Yoon 1981, "Multiple Attribute Decision Making"): rank alternatives by how close
// they are to an ideal point and how far from the anti-ideal one. Pure.
//
//   r_ij = x_ij / sqrt(Σ_i x_ij²)            vector normalisation per criterion j
//   v_ij = w_j · r_ij                          weighted
//   A+_j = max_i v_ij (benefit) or min (cost); A-_j the opposite
//   S+_i = sqrt(Σ_j (v_ij − A+_j)²), S-_i likewise
//   C_i  = S-_i / (S+_i + S-_i) ∈ [0, 1]       closeness; higher is better
//
// Degenerate inputs never give NaN: a column of zeros normalises to zeros, a column where every
// alternative is equal contributes nothing to either distance, and an alternative that is both ideal
// and anti-ideal on every criterion (all alternatives equal) scores 1.
//
// It runs on every offer that fits (up to ~100k) per request, so the weighted matrix is not stored:
// `weighted(i)` recomputes one alternative's row from the column scales when it is needed.

export type Direction = 'benefit' | 'cost';

export interface TopsisCriterion {
  weight: number;
  direction: Direction;
}

export interface TopsisResult {
  /** Closeness per alternative, same order as the input rows. */
  closeness: Float64Array;
  /** Weighted normalised values v_ij of alternative i, in criteria order. */
  weighted(i: number): Float64Array;
}

/**
 * `matrix` is column-major: `matrix[j][i]` is criterion j of alternative i (columns are what TOPSIS
 * normalises, and callers build them one criterion at a time). Weights are used as given.
 */
export function topsis(matrix: readonly ArrayLike<number>[], criteria: readonly TopsisCriterion[]): TopsisResult {
  if (matrix.length !== criteria.length) throw new RangeError(`${matrix.length} columns for ${criteria.length} criteria`);
  const m = criteria.length;
  const n = m === 0 ? 0 : matrix[0]!.length;
  const plus = new Float64Array(n);
  const minus = new Float64Array(n);
  /** w_j / |x_j|: v_ij = scale_j × x_ij. */
  const scale = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const column = matrix[j]!;
    if (column.length !== n) throw new RangeError(`column ${j} has ${column.length} values, expected ${n}`);
    let sumSquares = 0;
    let max = -Infinity;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const x = column[i]!;
      if (!Number.isFinite(x)) throw new RangeError(`criterion ${j} of alternative ${i} is not finite: ${x}`);
      sumSquares += x * x;
      if (x > max) max = x;
      if (x < min) min = x;
    }
    const norm = Math.sqrt(sumSquares);
    const { weight, direction } = criteria[j]!;
    const k = norm === 0 ? 0 : weight / norm;
    scale[j] = k;
    // Weights are non-negative, so the largest x gives the largest v.
    const best = k * (direction === 'benefit' ? max : min);
    const worst = k * (direction === 'benefit' ? min : max);
    for (let i = 0; i < n; i++) {
      const v = k * column[i]!;
      plus[i]! += (v - best) ** 2;
      minus[i]! += (v - worst) ** 2;
    }
  }
  const closeness = plus;
  for (let i = 0; i < n; i++) {
    const sPlus = Math.sqrt(plus[i]!);
    const sMinus = Math.sqrt(minus[i]!);
    closeness[i] = sPlus + sMinus === 0 ? 1 : sMinus / (sPlus + sMinus);
  }
  const weighted = (i: number): Float64Array => {
    const row = new Float64Array(m);
    for (let j = 0; j < m; j++) row[j] = scale[j]! * matrix[j]![i]!;
    return row;
  };
  return { closeness, weighted };
}
