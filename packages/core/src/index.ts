export * from './math/index';
export * from './backend/index';
