// The Model Inspector's engine side: embedding tables, nearest tokens, analogies, the architecture and
// comparisons of two checkpoints, from plain weight arrays.

export * from './tables';
export * from './embeddings';
export * from './nearest';
export * from './pca';
export * from './analogy';
export * from './architecture';
export * from './compare';
export * from './service';
