// The optimizer interface in the optax style: a GradientTransformation maps a LOSS gradient to
// updates that are ADDED to the parameters; transformations compose with chain().

import type { Vec } from '../types.ts';

/**
 * Optimizer state is plain data (numbers, typed arrays, arrays and records of them) so that a
 * checkpoint can write it to disk and read it back without knowing which optimizer made it.
 */
export type PlainState =
  | number
  | Float32Array
  | Float64Array
  | readonly PlainState[]
  | { readonly [key: string]: PlainState };

/**
 * init(params) -> state; update(grad of the loss, state, params) -> updates to ADD to params.
 * update never mutates its arguments: it returns fresh updates and a fresh state.
 */
export interface GradientTransformation<S> {
  init(paramsP: Vec): S;
  update(gradP: Vec, state: S, paramsP: Vec): { updatesP: Vec; state: S };
}

/** The state of chain(t1, ..., tk): the tuple of the k inner states, in order. */
export type ChainState<Ts extends readonly GradientTransformation<unknown>[]> = {
  readonly [K in keyof Ts]: Ts[K] extends GradientTransformation<infer S> ? S : never;
};

/** Applies transformations in sequence: the updates of one are the "gradient" of the next. */
export function chain<Ts extends readonly GradientTransformation<unknown>[]>(
  ...transforms: Ts
): GradientTransformation<ChainState<Ts>> {
  type S = ChainState<Ts>;
  return {
    init(paramsP: Vec): S {
      return transforms.map((t) => t.init(paramsP)) as unknown as S;
    },
    update(gradP: Vec, state: S, paramsP: Vec) {
      const states = state as unknown as readonly unknown[];
      if (states.length !== transforms.length) {
        throw new RangeError(
          `chain: state has ${states.length} entries for ${transforms.length} transformations`,
        );
      }
      let u = gradP;
      const next: unknown[] = [];
      transforms.forEach((t, k) => {
        const r = t.update(u, states[k]!, paramsP);
        u = r.updatesP;
        next.push(r.state);
      });
      return { updatesP: u, state: next as unknown as S };
    },
  };
}

/** Returns paramsP + updatesP as a new array (float32). */
export function applyUpdates(paramsP: Vec, updatesP: Vec): Vec {
  if (paramsP.length !== updatesP.length) {
    throw new RangeError(`applyUpdates: ${paramsP.length} params but ${updatesP.length} updates`);
  }
  const outP = new Float32Array(paramsP.length);
  for (let i = 0; i < paramsP.length; i++) outP[i] = paramsP[i]! + updatesP[i]!;
  return outP;
}
