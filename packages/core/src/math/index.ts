// The math of arXiv:2009.05475: schedules, DSM loss, samplers, GAN losses,
// EMA and Adam. Depends on @tensorflow/tfjs-core only.
export { Adam } from './adam';
export type { AdamOptions, AdamState } from './adam';
export { annealedLangevin, alsStepSizeForSteps } from './als';
export type { AlsOptions } from './als';
export {
  casStepSizeForSteps,
  checkCasStepSize,
  consistentAnnealed,
} from './cas';
export type { CasOptions } from './cas';
export { denoise, denoiseWith } from './denoise';
export {
  checkDsmArguments,
  drawDsmNoise,
  dsmLoss,
  dsmLossWithNoise,
} from './dsm';
export type { DsmDraw, DsmNoise, DsmOptions, DsmResult } from './dsm';
export { Ema } from './ema';
export { ganLoss, ganLosses } from './gan-losses';
export type { GanLoss, GanLossKind } from './gan-losses';
export { alsNoiseStd, casNoiseStd } from './noise-std';
export type { NoiseStdOptions } from './noise-std';
export { erfc, normalCdf } from './normal';
export { createRng, restoreRng } from './rng';
export type { Rng, RngState } from './rng';
export type { OnStep, SampleResult, SamplerOptions, StepInfo } from './sampler';
export {
  geometricSigmas,
  numLevelsTechnique2,
  refineSigmas,
  sigmaMaxFromData,
} from './schedule';
export type {
  SigmaMaxOptions,
  Technique2Options,
  Technique2Result,
} from './schedule';
export type { LevelScoreNetwork, ScoreNetwork } from './score';
export { checkInteger, checkPositive, fail } from './validate';
