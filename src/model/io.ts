// Graph input/output names shared by the graph builders and the sessions that feed them.

export const IO = {
  x: 'x',
  y: 'y',
  logits: 'logits',
  loss: 'loss',
  correct: 'correct',
  grad: 'grad',
  losses: 'losses',
  /** Per-copy inputs of the population graph. */
  noise: (k: number, param: string) => `e${k}/${param}`,
  coef: (k: number) => `c${k}`,
  xk: (k: number) => `x${k}`,
  yk: (k: number) => `y${k}`,
} as const;
