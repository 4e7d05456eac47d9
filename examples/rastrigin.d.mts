// Types of rastrigin.mjs for TypeScript callers.
export default function rastrigin(x: Float32Array): number;
