export * from './distribution';
export * from './session';
export * from './score';
export * from './scoreText';
export * from './compare';
