import type { CovarianceType } from '../types.js';
import type { CovarianceModel } from './covariance-model.js';
import { DIAG } from './diag.js';
import { FULL } from './full.js';
import { SPHERICAL } from './spherical.js';
import { TIED } from './tied.js';

/** The formulas of each covariance type; a new type is one file and one entry here. */
export const COVARIANCE_MODELS: Readonly<Record<CovarianceType, CovarianceModel>> = {
  full: FULL,
  diag: DIAG,
  spherical: SPHERICAL,
  tied: TIED,
};
